using System.Runtime.InteropServices;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>The element types an IDX file can hold, by their type byte.</summary>
public enum IdxElementType : byte
{
    /// <summary>0x08: unsigned byte (MNIST images and labels).</summary>
    UnsignedByte = 0x08,
    /// <summary>0x09: signed byte.</summary>
    SignedByte = 0x09,
    /// <summary>0x0B: big-endian 16-bit signed integer.</summary>
    Int16 = 0x0B,
    /// <summary>0x0C: big-endian 32-bit signed integer.</summary>
    Int32 = 0x0C,
    /// <summary>0x0D: big-endian 32-bit IEEE float.</summary>
    Float32 = 0x0D,
    /// <summary>0x0E: big-endian 64-bit IEEE float.</summary>
    Float64 = 0x0E,
}

/// <summary>
/// The contents of one IDX file: its element type, its sizes and its elements, already converted from
/// the file's big-endian order to this machine's order.
/// </summary>
public sealed class IdxArray
{
    internal IdxArray(IdxElementType elementType, int[] dims, byte[] data)
    {
        ElementType = elementType;
        Dims = dims;
        Data = data;
    }

    /// <summary>The element type named by the file's type byte.</summary>
    public IdxElementType ElementType { get; }

    /// <summary>The sizes from the header, outermost first (e.g. [N, 28, 28] for MNIST images).</summary>
    public IReadOnlyList<int> Dims { get; }

    /// <summary>The elements, row-major, in this machine's byte order.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The number of elements (the product of <see cref="Dims"/>).</summary>
    public long Count => Data.Length / Idx.SizeOf(ElementType);

    /// <summary>
    /// The elements as a tensor of the same shape: integers (bytes, shorts, ints) become int32, floats
    /// keep their precision.
    /// </summary>
    public Tensor ToTensor()
    {
        var shape = new Shape([.. Dims]);
        var bytes = Data.Span;
        return ElementType switch
        {
            IdxElementType.UnsignedByte => Tensor.FromArray(Widen(bytes, b => b), shape),
            IdxElementType.SignedByte => Tensor.FromArray(Widen(bytes, b => (sbyte)b), shape),
            IdxElementType.Int16 => Tensor.FromArray(Widen(MemoryMarshal.Cast<byte, short>(bytes), s => s), shape),
            IdxElementType.Int32 => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            IdxElementType.Float32 => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            _ => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
        };
    }

    private static int[] Widen<T>(ReadOnlySpan<T> source, Func<T, int> widen)
    {
        var result = new int[source.Length];
        for (int i = 0; i < result.Length; i++) result[i] = widen(source[i]);
        return result;
    }
}
