using System.Buffers.Binary;
using System.IO.Compression;

namespace Engine.Data;

/// <summary>
/// Reads IDX files, the format of the MNIST distribution: two zero bytes, a type byte, a rank byte,
/// one big-endian int32 size per axis, then the elements big-endian and row-major. Gzipped files are
/// recognised by their magic bytes (1F 8B), whatever their name.
/// </summary>
public static class Idx
{
    private const int FixedHeaderBytes = 4;

    /// <summary>Reads the IDX file at <paramref name="path"/> (gzipped or not).</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file; the message names the file, the byte offset and the problem.</exception>
    public static IdxArray Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileNotFoundException($"IDX: cannot read '{path}': {e.Message}", path, e);
        }
        return Read(bytes, path);
    }

    /// <summary>Reads an IDX file from a stream (gzipped or not); <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX file.</exception>
    public static IdxArray Read(Stream stream, string source)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Read(copy.ToArray(), source);
    }

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    public static int SizeOf(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte or IdxElementType.SignedByte => 1,
        IdxElementType.Int16 => 2,
        IdxElementType.Int32 or IdxElementType.Float32 => 4,
        IdxElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "IDX: unknown element type."),
    };

    private static IdxArray Read(byte[] bytes, string source)
    {
        var content = IsGzip(bytes) ? Gunzip(bytes, source) : bytes;
        var (type, dims, dataOffset) = ReadHeader(content, source);
        int size = SizeOf(type);
        long expected = ElementCount(dims, source) * size;
        long actual = content.Length - dataOffset;
        if (actual < expected)
            throw Problem(source, content.Length, $"truncated data: the header's sizes [{string.Join(", ", dims)}] of {type} need {expected} bytes after the {dataOffset}-byte header, only {actual} are there");
        if (actual > expected)
            throw Problem(source, dataOffset + expected, $"the header's sizes [{string.Join(", ", dims)}] of {type} account for {expected} bytes, but {actual} follow the header (the sizes' product does not match the data)");
        var data = content.AsSpan(dataOffset).ToArray();
        if (BitConverter.IsLittleEndian && size > 1) ReverseEachElement(data, size);
        return new IdxArray(type, dims, data);
    }

    private static (IdxElementType Type, int[] Dims, int DataOffset) ReadHeader(byte[] content, string source)
    {
        if (content.Length < FixedHeaderBytes)
            throw Problem(source, content.Length, $"truncated header: {content.Length} bytes, an IDX header needs at least {FixedHeaderBytes}");
        if (content[0] != 0 || content[1] != 0)
            throw Problem(source, 0, $"bad magic number 0x{content[0]:X2}{content[1]:X2}{content[2]:X2}{content[3]:X2}: an IDX file starts with two zero bytes");
        var type = (IdxElementType)content[2];
        if (!Enum.IsDefined(type))
            throw Problem(source, 2, $"unsupported element type 0x{content[2]:X2} (known: 08 ubyte, 09 sbyte, 0B int16, 0C int32, 0D float32, 0E float64)");
        int rank = content[3];
        int dataOffset = FixedHeaderBytes + 4 * rank;
        if (content.Length < dataOffset)
            throw Problem(source, content.Length, $"truncated header: rank {rank} needs {dataOffset} header bytes, the file has {content.Length}");
        var dims = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int offset = FixedHeaderBytes + 4 * d;
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(offset));
            if (dim > int.MaxValue)
                throw Problem(source, offset, $"size {dim} of axis {d} is larger than {int.MaxValue}");
            dims[d] = (int)dim;
        }
        return (type, dims, dataOffset);
    }

    private static long ElementCount(int[] dims, string source)
    {
        long count = 1;
        foreach (int dim in dims)
        {
            // Corrupt sizes can multiply past any real file; stop before long overflows.
            if (dim != 0 && count > Array.MaxLength / dim)
                throw Problem(source, 4, $"the sizes [{string.Join(", ", dims)}] describe more elements than any array can hold");
            count *= dim;
        }
        return count;
    }

    private static bool IsGzip(byte[] bytes) => bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;

    private static byte[] Gunzip(byte[] bytes, string source)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var result = new MemoryStream();
            gzip.CopyTo(result);
            RequireCompleteGzip(bytes, result.Length, source);
            return result.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"IDX '{source}': the gzip stream is damaged ({e.Message})", e);
        }
    }

    /// <summary>
    /// GZipStream stops quietly at the end of a cut-off file, so compare the trailer's ISIZE (the
    /// uncompressed length mod 2^32) with what came out: a file cut anywhere leaves other bytes there.
    /// </summary>
    private static void RequireCompleteGzip(byte[] bytes, long decompressedLength, string source)
    {
        uint recorded = bytes.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) : 0;
        if (bytes.Length < 18 || recorded != (uint)decompressedLength)
            throw new InvalidDataException($"IDX '{source}': the gzip stream is truncated or damaged (its trailer records {recorded} uncompressed bytes, {decompressedLength} came out of {bytes.Length} compressed bytes).");
    }

    private static void ReverseEachElement(byte[] data, int size)
    {
        for (int i = 0; i < data.Length; i += size) data.AsSpan(i, size).Reverse();
    }

    private static InvalidDataException Problem(string source, long offset, string problem) =>
        new($"IDX '{source}' at byte {offset}: {problem}.");
}
