using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Tensors;

// The tests inject a failure midway through a save (AfterTensorWritten).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Engine.Tests")]

namespace Engine.IO;

/// <summary>
/// Reads and writes the safetensors format (what PyTorch and Hugging Face use for weights): an 8-byte
/// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and byte range, an
/// optional "__metadata__" map of strings, then the raw little-endian data. Files are written atomically, and
/// every inconsistency in a file read is reported with the file, the byte offset and the problem.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Called after each tensor is written, with the target path and the tensor name: lets tests make a save
    /// fail midway, deterministically, to check that the old file survives.
    /// </summary>
    internal static Action<string, string>? AfterTensorWritten;

    /// <summary>Headers larger than this are rejected as corrupt (the reference implementation's limit).</summary>
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes named tensors (contiguous copies are taken as needed) and string metadata to <paramref name="path"/>:
    /// to a temporary file in the same folder first, renamed over the target only when complete, so a failed
    /// write leaves an existing file intact.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">Names and values, written in this order.</param>
    /// <param name="metadata">Free-form strings stored in the header's "__metadata__", or null.</param>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, tensor) in entries)
        {
            if (name == "__metadata__" || header.ContainsKey(name))
                throw new ArgumentException($"SafeTensors.Save: tensor name '{name}' is reserved or repeated ({path}).");
            long bytes = tensor.NumElements * tensor.DType.SizeOf();
            header[name] = new JsonObject
            {
                ["dtype"] = Code(tensor.DType),
                ["shape"] = new JsonArray(tensor.Shape.AsSpan().ToArray().Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the data starts 8-byte aligned; the header is padded with spaces
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var (name, tensor) in entries)
            {
                stream.Write(tensor.ToBytes());
                AfterTensorWritten?.Invoke(path, name);
            }
        });
    }

    /// <summary>Reads every tensor of a safetensors file, in file order, with the header's metadata.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or inconsistent; the message names the file, the offset and the problem.</exception>
    public static SafeTensorsFile Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"SafeTensors.Load: no file at {path}.", path, e);
        }
        return Parse(bytes, path);
    }

    /// <summary>
    /// Parses safetensors bytes (see <see cref="Load"/>); <paramref name="source"/> names them in errors. As in the
    /// reference implementation, the tensors' byte ranges must tile the data exactly, so a truncated or padded file
    /// is always caught.
    /// </summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not a consistent safetensors file.</exception>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source)
    {
        try
        {
            return ParseChecked(bytes, source);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            // Whatever a hostile header trips over inside the JSON reader or the tensor constructor is still a bad file.
            throw new InvalidDataException($"{source}: not a valid safetensors file: {e.Message}", e);
        }
    }

    private static SafeTensorsFile ParseChecked(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8) throw Bad(source, 0, $"the file has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(bytes.Length - 8))
            throw Bad(source, 0, $"the header length {headerLength} does not fit the file's {bytes.Length - 8} remaining bytes (truncated?)");
        var header = ParseHeader(bytes.Slice(8, (int)headerLength), source);
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, DType DType, int[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") ReadMetadata(node, metadata, source);
            else entries.Add(Entry(node, name, source));
        }
        CheckTiling(entries, dataStart, dataLength, source);
        var tensors = new List<KeyValuePair<string, Tensor>>(entries.Count);
        foreach (var (name, dtype, shape, begin, end) in entries)
            tensors.Add(new(name, Tensor.FromBytes(bytes.Slice((int)(dataStart + begin), (int)(end - begin)), new Shape(shape), dtype)));
        return new SafeTensorsFile(tensors, metadata);
    }

    private static JsonObject ParseHeader(ReadOnlySpan<byte> headerBytes, string source)
    {
        try
        {
            return JsonNode.Parse(headerBytes.ToArray()) as JsonObject ?? throw Bad(source, 8, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(source, 8 + (e.BytePositionInLine ?? 0), $"the header is not valid JSON ({e.Message})");
        }
    }

    private static void ReadMetadata(JsonNode? node, Dictionary<string, string> metadata, string source)
    {
        if (node is not JsonObject meta) throw Bad(source, 8, "__metadata__ is not an object");
        foreach (var (key, value) in meta)
            metadata[key] = value is JsonValue v && v.TryGetValue(out string? s) ? s : throw Bad(source, 8, $"metadata '{key}' is not a string");
    }

    /// <summary>Each tensor's byte count must match its dtype and shape, and the ranges must cover the data once, without gaps.</summary>
    private static void CheckTiling(List<(string Name, DType DType, int[] Shape, long Begin, long End)> entries, long dataStart, long dataLength, string source)
    {
        foreach (var (name, dtype, shape, begin, end) in entries)
        {
            long expected = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * dtype.SizeOf());
            if (end - begin != expected)
                throw Bad(source, dataStart + begin, $"tensor '{name}' of shape ({string.Join(", ", shape)}) {dtype} needs {expected} bytes, its range holds {end - begin}");
            if (end > dataLength)
                throw Bad(source, dataStart + begin, $"tensor '{name}' ends at data byte {end}, but the file has only {dataLength} data bytes (truncated?)");
        }
        long covered = 0;
        foreach (var (name, _, _, begin, end) in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (begin != covered)
                throw Bad(source, dataStart + Math.Min(begin, covered), begin < covered
                    ? $"tensor '{name}' overlaps the tensor before it" : $"the data bytes {covered}..{begin} belong to no tensor");
            covered = end;
        }
        if (covered != dataLength)
            throw Bad(source, dataStart + covered, $"the tensors end at data byte {covered} but the file holds {dataLength} data bytes");
    }

    private static (string Name, DType DType, int[] Shape, long Begin, long End) Entry(JsonNode? node, string name, string source)
    {
        try
        {
            var entry = (JsonObject)node!;
            var dtype = FromCode((string)entry["dtype"]!, name, source);
            var shape = ((JsonArray)entry["shape"]!).Select(d => (int)d!).ToArray();
            if (shape.Any(d => d < 0)) throw Bad(source, 8, $"tensor '{name}' has a negative dimension");
            var offsets = (JsonArray)entry["data_offsets"]!;
            if (offsets.Count != 2) throw Bad(source, 8, $"tensor '{name}' has {offsets.Count} data_offsets, not 2");
            long begin = (long)offsets[0]!, end = (long)offsets[1]!;
            if (begin < 0 || end < begin) throw Bad(source, 8, $"tensor '{name}' has data_offsets [{begin}, {end}]");
            return (name, dtype, shape, begin, end);
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or FormatException or InvalidOperationException
            or OverflowException or ArgumentException)
        {
            throw Bad(source, 8, $"tensor '{name}' needs \"dtype\", \"shape\" and \"data_offsets\" entries of the right types");
        }
    }

    private static string Code(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Bool => "BOOL",
        _ => throw new ArgumentException($"SafeTensors.Save: no safetensors code for dtype {dtype}."),
    };

    private static DType FromCode(string code, string name, string source) => code switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        "BOOL" => DType.Bool,
        _ => throw Bad(source, 8, $"tensor '{name}' has dtype {code}, which this engine does not read (F32, F64, I32, BOOL)"),
    };

    private static InvalidDataException Bad(string source, long offset, string problem) =>
        new($"{source}: not a valid safetensors file at byte {offset}: {problem}.");
}

/// <summary>The contents of a safetensors file: named tensors in file order and the header metadata.</summary>
/// <param name="Tensors">Names and values.</param>
/// <param name="Metadata">The "__metadata__" strings.</param>
public sealed record SafeTensorsFile(IReadOnlyList<KeyValuePair<string, Tensor>> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The tensor of a name.</summary>
    /// <param name="name">Its name in the file.</param>
    public Tensor this[string name] => Tensors.FirstOrDefault(t => t.Key == name).Value
        ?? throw new KeyNotFoundException($"SafeTensors: no tensor named '{name}'.");
}
