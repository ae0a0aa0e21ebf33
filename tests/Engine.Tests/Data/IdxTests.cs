using System.Buffers.Binary;
using Engine.Data;
using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Data;

/// <summary>The IDX reader: round trips of every element type, gzip detection, and corrupt files.</summary>
public class IdxTests
{
    private static readonly IdxElementType[] Types = Enum.GetValues<IdxElementType>();

    private static (IdxElementType Type, int[] Dims, double[] Values) RandomArray(Random random)
    {
        var type = Types[random.Next(Types.Length)];
        var dims = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, 6)).ToArray();
        int count = dims.Aggregate(1, (n, d) => n * d);
        return (type, dims, IdxFile.RandomValues(type, count, random));
    }

    [Property(MaxTest = 60)]
    public void RoundTripsEveryTypeRawAndGzipped(int seed, bool gzipped)
    {
        var (type, dims, values) = RandomArray(new Random(seed));
        var raw = IdxFile.Encode(type, dims, values);
        using var folder = new TempFolder();
        var read = Idx.Read(folder.Write("array", gzipped ? IdxFile.Gzip(raw) : raw));
        Assert.Equal(type, read.ElementType);
        Assert.Equal(dims, read.Dims);
        var tensor = read.ToTensor();
        Assert.Equal(dims, tensor.Shape.ToArray());
        Assert.Equal(type switch { IdxElementType.Float32 => DType.Float32, IdxElementType.Float64 => DType.Float64, _ => DType.Int32 }, tensor.DType);
        Assert.Equal(values, tensor.ToDoubles());
    }

    [Fact]
    public void DetectsGzipByItsMagicBytesNotTheFileName()
    {
        var raw = IdxFile.Encode(IdxElementType.UnsignedByte, [2, 3], [1, 2, 3, 4, 5, 250]);
        using var folder = new TempFolder();
        var fromGzipNamedPlain = Idx.Read(folder.Write("plain-name.idx", IdxFile.Gzip(raw)));
        var fromPlainNamedGz = Idx.Read(folder.Write("gzip-name.gz", raw));
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 250 }, fromGzipNamedPlain.ToTensor().ToDoubles());
        Assert.Equal(fromGzipNamedPlain.ToTensor().ToDoubles(), fromPlainNamedGz.ToTensor().ToDoubles());
    }

    [Property(MaxTest = 100)]
    public void TruncationAtAnyOffsetThrowsNamingTheFile(int seed, bool gzipped)
    {
        var random = new Random(seed);
        var raw = IdxFile.Encode(IdxElementType.Int16, [3, 4], IdxFile.RandomValues(IdxElementType.Int16, 12, random));
        var whole = gzipped ? IdxFile.Gzip(raw) : raw;
        var cut = whole.AsSpan(0, random.Next(0, whole.Length)).ToArray();
        using var folder = new TempFolder();
        string path = folder.Write("truncated-images", cut);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Property(MaxTest = 200)]
    public void HeaderByteFlipsThrowNamingTheFileOrDescribeTheDataExactly(int seed)
    {
        var random = new Random(seed);
        var raw = IdxFile.Encode(IdxElementType.Float64, [2, 3, 2], IdxFile.RandomValues(IdxElementType.Float64, 12, random));
        int headerLength = 4 + 4 * 3;
        for (int flips = random.Next(1, 4); flips > 0; flips--)
            raw[random.Next(headerLength)] ^= (byte)random.Next(1, 256);
        using var folder = new TempFolder();
        string path = folder.Write("flipped", raw);
        IdxArray read;
        try { read = Idx.Read(path); }
        catch (InvalidDataException error)
        {
            Assert.Contains(path, error.Message);
            return;
        }
        // Accepted only when the corrupted header still describes exactly the bytes that follow it.
        Assert.Equal(raw.Length - 4 - 4 * read.Dims.Count, read.Count * Idx.SizeOf(read.ElementType));
    }

    [Theory]
    [InlineData(0, 0x01, "bad magic number")]
    [InlineData(2, 0x07, "unsupported element type 0x0F")] // 0x08 ^ 0x07
    public void HeaderProblemsAreNamedWithTheirOffset(int offset, int flip, string problem)
    {
        var raw = IdxFile.Encode(IdxElementType.UnsignedByte, [4], [1, 2, 3, 4]);
        raw[offset] ^= (byte)flip;
        using var folder = new TempFolder();
        string path = folder.Write("bad-header", raw);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(problem, error.Message);
        Assert.Contains($"at byte {offset}", error.Message);
    }

    [Fact]
    public void TooManyBytesForTheSizesIsADimsMismatch()
    {
        var raw = IdxFile.Encode(IdxElementType.UnsignedByte, [2, 2], [1, 2, 3, 4]);
        using var folder = new TempFolder();
        string path = folder.Write("extra", [.. raw, 5]);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains("does not match the data", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void HugeSizesThrowInsteadOfAllocating()
    {
        var raw = IdxFile.Encode(IdxElementType.Float64, [1, 1, 1], [0.5]);
        foreach (int d in new[] { 4, 8, 12 }) BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(d), int.MaxValue);
        using var folder = new TempFolder();
        string path = folder.Write("huge", raw);
        var error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, error.Message);
    }
}
