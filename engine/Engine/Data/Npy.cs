using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>
/// NumPy's .npy format: the magic "\x93NUMPY", a version, a little-endian header length (2 bytes in
/// version 1, 4 in versions 2 and 3), a Python-dict header giving descr, fortran_order and shape, then
/// the raw elements. Loads float32/float64 as themselves, integers (int8–int64, uint8–uint32) as int32
/// when every value fits, and bool as bool; saves float32, float64, int32 and bool.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Loads the .npy file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or holds an unsupported dtype; the message names the file.</exception>
    public static Tensor Load(string path) => Load(File.ReadAllBytes(path), path);

    /// <summary>Loads a .npy array from a stream; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The data is malformed or holds an unsupported dtype.</exception>
    public static Tensor Load(Stream stream, string source)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Load(copy.ToArray(), source);
    }

    /// <summary>Saves <paramref name="tensor"/> (float32, float64, int32 or bool) as a version-1 .npy file (version 2 for huge headers).</summary>
    public static void Save(string path, Tensor tensor)
    {
        using var file = File.Create(path);
        Save(file, tensor);
    }

    /// <summary>Writes <paramref name="tensor"/> (float32, float64, int32 or bool) in .npy format to a stream.</summary>
    public static void Save(Stream stream, Tensor tensor)
    {
        var (descr, data) = tensor.DType switch
        {
            DType.Float32 => ("<f4", ToLittleEndianBytes<float>(tensor)),
            DType.Float64 => ("<f8", ToLittleEndianBytes<double>(tensor)),
            DType.Int32 => ("<i4", ToLittleEndianBytes<int>(tensor)),
            _ => ("|b1", ToLittleEndianBytes<bool>(tensor)),
        };
        stream.Write(Header(descr, tensor.Shape));
        stream.Write(data);
    }

    private static Tensor Load(byte[] bytes, string source)
    {
        var (header, dataOffset) = ReadHeader(bytes, source);
        var (descr, fortranOrder, dims) = ParseHeader(header, source);
        var element = ElementType.Parse(descr, source);
        long count = dims.Aggregate(1L, (n, d) => n * d);
        long expected = count * element.Size;
        long actual = bytes.Length - dataOffset;
        if (actual != expected)
            throw Problem(source, $"shape ({string.Join(", ", dims)}) of '{descr}' needs {expected} data bytes, the file has {actual} after the {dataOffset}-byte header");
        var data = bytes.AsSpan(dataOffset).ToArray();
        if (element.SwapBytes) for (int i = 0; i < data.Length; i += element.Size) data.AsSpan(i, element.Size).Reverse();
        // Fortran order is column-major: read it as the reversed shape, then reverse the axes back.
        var storedDims = fortranOrder ? dims.Reverse().ToArray() : dims;
        var tensor = element.ToTensor(data, new Shape(storedDims), source);
        return fortranOrder && dims.Length > 1
            ? tensor.Permute([.. Enumerable.Range(0, dims.Length).Reverse()]).Contiguous()
            : tensor;
    }

    private static (string Header, int DataOffset) ReadHeader(byte[] bytes, string source)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw Problem(source, "not a .npy file: it does not start with \\x93NUMPY");
        int major = bytes[6];
        if (major is < 1 or > 3)
            throw Problem(source, $"unsupported .npy version {major}.{bytes[7]} (1, 2 and 3 are known)");
        int lengthBytes = major == 1 ? 2 : 4;
        if (bytes.Length < 8 + lengthBytes)
            throw Problem(source, "truncated header");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        long dataOffset = 8 + lengthBytes + headerLength;
        if (dataOffset > bytes.Length)
            throw Problem(source, $"truncated header: it claims {headerLength} bytes, the file has {bytes.Length - 8 - lengthBytes}");
        // Versions 1 and 2 write the header in Latin-1; version 3 allows UTF-8.
        var encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
        return (encoding.GetString(bytes, 8 + lengthBytes, (int)headerLength), (int)dataOffset);
    }

    private static (string Descr, bool FortranOrder, int[] Dims) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success)
            throw Problem(source, $"header {header.Trim()} has no simple 'descr' (structured dtypes are not supported)");
        if (!fortran.Success || !shape.Success)
            throw Problem(source, $"header {header.Trim()} lacks 'fortran_order' or 'shape'");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(text => int.TryParse(text.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int d)
                ? d
                : throw Problem(source, $"shape entry '{text}' in {header.Trim()} is not a size up to {int.MaxValue}"))
            .ToArray();
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims);
    }

    private static byte[] Header(string descr, Shape shape)
    {
        string dims = shape.Rank == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // NumPy pads with spaces and a final newline so the data starts on a 64-byte boundary.
        int unpadded = 10 + dict.Length + 1;
        bool wide = unpadded + 64 > ushort.MaxValue;
        if (wide) unpadded += 2;
        string text = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var result = new byte[(wide ? 12 : 10) + text.Length];
        Magic.CopyTo(result, 0);
        result[6] = (byte)(wide ? 2 : 1);
        if (wide) BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)text.Length);
        else BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)text.Length);
        Encoding.Latin1.GetBytes(text, result.AsSpan(wide ? 12 : 10));
        return result;
    }

    private static byte[] ToLittleEndianBytes<T>(Tensor tensor) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(tensor.ToArray<T>().AsSpan()).ToArray();
        int size = Marshal.SizeOf<T>();
        if (!BitConverter.IsLittleEndian && size > 1)
            for (int i = 0; i < bytes.Length; i += size) bytes.AsSpan(i, size).Reverse();
        return bytes;
    }

    internal static InvalidDataException Problem(string source, string problem) => new($"Npy '{source}': {problem}.");

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>One NumPy element type: its kind ('f', 'i', 'u', 'b'), size and whether its bytes need swapping here.</summary>
    private readonly record struct ElementType(char Kind, int Size, bool SwapBytes, string Descr)
    {
        public static ElementType Parse(string descr, string source)
        {
            if (descr.Length < 3 || !int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
                throw Problem(source, $"unsupported dtype '{descr}'");
            char order = descr[0], kind = descr[1];
            bool supported = (kind, size) is ('f', 4) or ('f', 8) or ('i', 1) or ('i', 2) or ('i', 4) or ('i', 8)
                or ('u', 1) or ('u', 2) or ('u', 4) or ('b', 1);
            if (!supported || order is not ('<' or '>' or '|' or '='))
                throw Problem(source, $"unsupported dtype '{descr}' (supported: float32, float64, int8–int64, uint8–uint32, bool)");
            bool fileLittle = order != '>' && (order != '=' || BitConverter.IsLittleEndian);
            return new ElementType(kind, size, size > 1 && fileLittle != BitConverter.IsLittleEndian, descr);
        }

        public Tensor ToTensor(byte[] data, Shape shape, string source) => (Kind, Size) switch
        {
            ('f', 4) => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
            ('f', 8) => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(data).ToArray(), shape),
            ('b', _) => Tensor.FromArray(data.Select(b => b != 0).ToArray(), shape),
            ('i', 1) => Tensor.FromArray(data.Select(b => (int)(sbyte)b).ToArray(), shape),
            ('u', 1) => Tensor.FromArray(data.Select(b => (int)b).ToArray(), shape),
            ('i', 2) => Tensor.FromArray(Widen(MemoryMarshal.Cast<byte, short>(data), source), shape),
            ('u', 2) => Tensor.FromArray(Widen(MemoryMarshal.Cast<byte, ushort>(data), source), shape),
            ('i', 4) => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(data).ToArray(), shape),
            ('u', 4) => Tensor.FromArray(Widen(MemoryMarshal.Cast<byte, uint>(data), source), shape),
            _ => Tensor.FromArray(Widen(MemoryMarshal.Cast<byte, long>(data), source), shape),
        };

        private int[] Widen<T>(ReadOnlySpan<T> values, string source) where T : unmanaged, IConvertible
        {
            var result = new int[values.Length];
            for (int i = 0; i < result.Length; i++)
            {
                long value = values[i].ToInt64(CultureInfo.InvariantCulture);
                if (value is < int.MinValue or > int.MaxValue)
                    throw Problem(source, $"element {i} = {value} of '{Descr}' does not fit in int32 (the engine's integer dtype)");
                result[i] = (int)value;
            }
            return result;
        }
    }
}
