using Engine.Backends;

namespace Engine.Tensors;

/// <summary>
/// An n-dimensional array on a device: a view (shape, strides, offset) of a <see cref="Storage"/>.
/// Views — reshape, transpose, slices, broadcasts — share storage and copy nothing; ops allocate
/// fresh contiguous results. CPU tensors never need disposing; <see cref="Dispose"/> frees memory early.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly long[] _strides;

    internal Tensor(Storage storage, Shape shape, long[] strides, long offset)
    {
        if (strides.Length != shape.Rank)
            throw new ArgumentException($"Tensor: {strides.Length} strides for a shape of rank {shape.Rank}.");
        Storage = storage;
        Shape = shape;
        _strides = strides;
        Offset = offset;
    }

    /// <summary>The memory this tensor views.</summary>
    public Storage Storage { get; private set; }

    /// <summary>Dimension sizes.</summary>
    public Shape Shape { get; }

    /// <summary>Element offset of the first element within <see cref="Storage"/>.</summary>
    public long Offset { get; }

    /// <summary>Element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>The device holding the data; ops on this tensor run there.</summary>
    public Device Device => Storage.Device;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public long NumElements => Shape.NumElements;

    /// <summary>Strides in elements, one per dimension (0 on broadcast dimensions).</summary>
    public IReadOnlyList<long> Strides => _strides;

    internal long[] StrideArray => _strides;

    /// <summary>True when the elements lie in row-major order with no gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && _strides[i] != expected) return false;
                expected *= Shape[i];
            }
            return true;
        }
    }

    /// <summary>Size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Size(int axis) => Shape[axis];

    /// <summary>Frees the storage now (it is shared with every view of this tensor).</summary>
    public void Dispose() => Storage.Dispose();

    /// <summary>Allocates an uninitialised contiguous tensor.</summary>
    internal static Tensor Empty(Shape shape, DType dtype, Device device)
    {
        var storage = device.Backend.Allocate(dtype, shape.NumElements);
        return new Tensor(storage, shape, shape.ContiguousStrides(), 0);
    }

    /// <summary>A new view of the same storage.</summary>
    internal Tensor View(Shape shape, long[] strides, long offset) => new(Storage, shape, strides, offset);

    internal IBackend Backend => Device.Backend;

    internal string Describe() => $"{Shape} {DType.Name()}";
}
