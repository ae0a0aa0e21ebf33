using System.Buffers.Binary;
using System.IO.Compression;
using Engine.Data;

namespace Engine.Tests.Data;

/// <summary>
/// An independent IDX writer for the tests (the engine only reads IDX): header, then big-endian
/// elements, optionally gzipped.
/// </summary>
internal static class IdxFile
{
    public static byte[] Encode(IdxElementType type, int[] dims, double[] values)
    {
        int size = Idx.SizeOf(type);
        var bytes = new byte[4 + 4 * dims.Length + size * values.Length];
        bytes[2] = (byte)type;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        var data = bytes.AsSpan(4 + 4 * dims.Length);
        for (int i = 0; i < values.Length; i++) WriteElement(type, data.Slice(i * size, size), values[i]);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var result = new MemoryStream();
        using (var gzip = new GZipStream(result, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return result.ToArray();
    }

    /// <summary>Values of the type's range, so every value survives the round trip exactly.</summary>
    public static double[] RandomValues(IdxElementType type, int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => type switch
        {
            IdxElementType.UnsignedByte => random.Next(0, 256),
            IdxElementType.SignedByte => random.Next(-128, 128),
            IdxElementType.Int16 => random.Next(short.MinValue, short.MaxValue + 1),
            IdxElementType.Int32 => random.Next(int.MinValue, int.MaxValue),
            IdxElementType.Float32 => (double)(float)(random.NextDouble() * 200 - 100),
            _ => random.NextDouble() * 2e6 - 1e6,
        }).ToArray();

    private static void WriteElement(IdxElementType type, Span<byte> target, double value)
    {
        switch (type)
        {
            case IdxElementType.UnsignedByte: target[0] = (byte)value; break;
            case IdxElementType.SignedByte: target[0] = (byte)(sbyte)value; break;
            case IdxElementType.Int16: BinaryPrimitives.WriteInt16BigEndian(target, (short)value); break;
            case IdxElementType.Int32: BinaryPrimitives.WriteInt32BigEndian(target, (int)value); break;
            case IdxElementType.Float32: BinaryPrimitives.WriteSingleBigEndian(target, (float)value); break;
            default: BinaryPrimitives.WriteDoubleBigEndian(target, value); break;
        }
    }
}

/// <summary>A temporary folder deleted when the test ends.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("engine-data-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
