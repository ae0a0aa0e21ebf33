using System.Runtime.InteropServices;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="dtype">Element type.</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients (floating dtypes only).</param>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) => Full(shape, 0, dtype, device, requiresGrad);

    /// <summary>A tensor of ones.</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="dtype">Element type.</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients (floating dtypes only).</param>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) => Full(shape, 1, dtype, device, requiresGrad);

    /// <summary>A tensor with every element set to <paramref name="value"/>.</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="value">The fill value.</param>
    /// <param name="dtype">Element type.</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients (floating dtypes only).</param>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var t = Empty(shape, dtype, device ?? Device.Cpu);
        t.Backend.Fill(t, value);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full(Shape.Scalar, value, dtype, device);

    /// <summary>A tensor of zeros with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeros(like.Shape, like.DType, like.Device);

    /// <summary>A tensor of ones with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Ones(like.Shape, like.DType, like.Device);

    /// <summary>Values start, start+step, … below <paramref name="stop"/> (NumPy's arange).</summary>
    public static Tensor Arange(double start, double stop, double step = 1, DType dtype = DType.Float32, Device? device = null)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException($"Arange: step must be non-zero, got {step}.");
        long count = Math.Max(0, (long)Math.Ceiling((stop - start) / step));
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = start + i * step;
        return FromDoubles(values, new Shape(checked((int)count)), dtype, device);
    }

    /// <summary>0, 1, …, <paramref name="stop"/> − 1.</summary>
    public static Tensor Arange(int stop, DType dtype = DType.Float32, Device? device = null) => Arange(0, stop, 1, dtype, device);

    /// <summary><paramref name="count"/> evenly spaced values from start to stop inclusive.</summary>
    public static Tensor Linspace(double start, double stop, int count, DType dtype = DType.Float32, Device? device = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Linspace: count must be non-negative.");
        var values = new double[count];
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++) values[i] = i == count - 1 && count > 1 ? stop : start + i * step;
        return FromDoubles(values, new Shape(count), dtype, device);
    }

    /// <summary>An n×m matrix with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32, Device? device = null)
    {
        int cols = m ?? n;
        var values = new double[(long)n * cols];
        for (int i = 0; i < Math.Min(n, cols); i++) values[(long)i * cols + i] = 1;
        return FromDoubles(values, new Shape(n, cols), dtype, device);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="dtype">Element type (floating).</param>
    /// <param name="generator">The random source (default: <see cref="Generator.Default"/>).</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients.</param>
    public static Tensor Rand(Shape shape, DType dtype = DType.Float32, Generator? generator = null, Device? device = null, bool requiresGrad = false)
        => Uniform(shape, 0, 1, dtype, generator, device, requiresGrad);

    /// <summary>Standard normal samples.</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="dtype">Element type (floating).</param>
    /// <param name="generator">The random source (default: <see cref="Generator.Default"/>).</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients.</param>
    public static Tensor Randn(Shape shape, DType dtype = DType.Float32, Generator? generator = null, Device? device = null, bool requiresGrad = false)
        => Normal(shape, 0, 1, dtype, generator, device, requiresGrad);

    /// <summary>Uniform samples in [low, high).</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound.</param>
    /// <param name="dtype">Element type (floating).</param>
    /// <param name="generator">The random source (default: <see cref="Generator.Default"/>).</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients.</param>
    public static Tensor Uniform(Shape shape, double low, double high, DType dtype = DType.Float32, Generator? generator = null, Device? device = null, bool requiresGrad = false)
    {
        RequireFloating(dtype, "Uniform");
        var g = generator ?? Generator.Default;
        var values = new double[shape.NumElements];
        for (long i = 0; i < values.Length; i++) values[i] = low + (high - low) * g.NextDouble();
        return FromDoubles(values, shape, dtype, device).AsLeaf(requiresGrad);
    }

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    /// <param name="shape">Dimension sizes.</param>
    /// <param name="mean">Mean of the distribution.</param>
    /// <param name="std">Standard deviation of the distribution.</param>
    /// <param name="dtype">Element type (floating).</param>
    /// <param name="generator">The random source (default: <see cref="Generator.Default"/>).</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients.</param>
    public static Tensor Normal(Shape shape, double mean, double std, DType dtype = DType.Float32, Generator? generator = null, Device? device = null, bool requiresGrad = false)
    {
        RequireFloating(dtype, "Normal");
        var g = generator ?? Generator.Default;
        var values = new double[shape.NumElements];
        for (long i = 0; i < values.Length; i++) values[i] = mean + std * g.NextNormal();
        return FromDoubles(values, shape, dtype, device).AsLeaf(requiresGrad);
    }

    /// <summary>Seeds <see cref="Generator.Default"/>, making every later random creation reproducible.</summary>
    public static void ManualSeed(ulong seed) => Generator.Default.Reseed(seed);

    /// <summary>A tensor from a flat array in row-major order with the given shape (default: 1-D).</summary>
    /// <exception cref="ArgumentException">The array length does not match the shape.</exception>
    /// <param name="data">The elements, row-major.</param>
    /// <param name="shape">The shape (default: 1-D of the array's length).</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients (floating dtypes only).</param>
    public static Tensor FromArray<T>(T[] data, Shape? shape = null, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        shape ??= new Shape(data.Length);
        if (shape.NumElements != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} elements do not fill shape {shape} ({shape.NumElements} elements).");
        var dtype = DTypes.Of<T>();
        var t = Empty(shape, dtype, device ?? Device.Cpu);
        t.Backend.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t.Storage, 0);
        return t.AsLeaf(requiresGrad);
    }

    /// <summary>A tensor from a multi-dimensional C# array (e.g. <c>float[,]</c>), keeping its shape.</summary>
    /// <param name="data">A rectangular array of float, double, int or bool.</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <param name="requiresGrad">Makes the result a leaf that collects gradients (floating dtypes only).</param>
    public static Tensor FromArray(Array data, Device? device = null, bool requiresGrad = false)
    {
        var elementType = data.GetType().GetElementType()!;
        var dims = new int[data.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = data.GetLength(i);
        var shape = new Shape(dims);
        return (elementType switch
        {
            _ when elementType == typeof(float) => FromArray(Flatten<float>(data), shape, device),
            _ when elementType == typeof(double) => FromArray(Flatten<double>(data), shape, device),
            _ when elementType == typeof(int) => FromArray(Flatten<int>(data), shape, device),
            _ when elementType == typeof(bool) => FromArray(Flatten<bool>(data), shape, device),
            _ => throw new NotSupportedException($"FromArray: arrays of {elementType.Name} are not supported; use float, double, int or bool."),
        }).AsLeaf(requiresGrad);
    }

    /// <summary>Copies the elements to a flat row-major array; <typeparamref name="T"/> must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var want = DTypes.Of<T>();
        if (want != DType)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}>: the tensor is {DType.Name()}; call To({want}) first or use ToArray<{ClrName(DType)}>().");
        var source = ContiguousView();
        var result = new T[NumElements];
        source.Backend.CopyToHost(source.Storage, source.Offset, MemoryMarshal.AsBytes(result.AsSpan()));
        GC.KeepAlive(source);
        return result;
    }

    /// <summary>
    /// A tensor from raw little-endian bytes of the given dtype (as read from a file), row-major. Bool bytes must
    /// be 0 or 1.
    /// </summary>
    /// <param name="bytes">Exactly shape.NumElements × the dtype's size bytes.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="dtype">The element type of the bytes.</param>
    /// <param name="device">Where the data lives (default: CPU).</param>
    /// <exception cref="ArgumentException">The byte count does not match, or a bool byte is neither 0 nor 1.</exception>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, Shape shape, DType dtype, Device? device = null)
    {
        if (bytes.Length != shape.NumElements * dtype.SizeOf())
            throw new ArgumentException($"FromBytes: {bytes.Length} bytes do not hold {shape} {dtype.Name()} ({shape.NumElements * dtype.SizeOf()} bytes).");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("FromBytes: big-endian hosts are not supported.");
        if (dtype == DType.Bool && bytes.IndexOfAnyExcept((byte)0, (byte)1) is int bad and >= 0)
            throw new ArgumentException($"FromBytes: bool byte {bad} is {bytes[bad]}, not 0 or 1.");
        var t = Empty(shape, dtype, device ?? Device.Cpu);
        t.Backend.CopyFromHost(bytes, t.Storage, 0);
        return t;
    }

    /// <summary>The elements as raw little-endian bytes, row-major (a contiguous copy).</summary>
    public byte[] ToBytes()
    {
        var source = ContiguousView();
        var result = new byte[NumElements * DType.SizeOf()];
        source.Backend.CopyToHost(source.Storage, source.Offset, result);
        GC.KeepAlive(source);
        return result;
    }

    /// <summary>Copies the elements to a C# array of this tensor's rank (e.g. <c>float[,]</c> for a matrix).</summary>
    public Array ToNDArray()
    {
        Array flat = DType switch
        {
            DType.Float32 => ToArray<float>(),
            DType.Float64 => ToArray<double>(),
            DType.Int32 => ToArray<int>(),
            _ => ToArray<bool>(),
        };
        if (Rank == 1) return flat;
        var result = Array.CreateInstance(flat.GetType().GetElementType()!, Rank == 0 ? [1] : Shape.ToArray());
        var index = new int[Math.Max(1, Rank)];
        for (int i = 0; i < flat.Length; i++)
        {
            result.SetValue(flat.GetValue(i), index);
            for (int d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < result.GetLength(d)) break;
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>The single element of a one-element tensor, converted to <typeparamref name="T"/>.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumElements != 1)
            throw new InvalidOperationException($"Item: the tensor has shape {Shape} ({NumElements} elements); only one-element tensors have an item.");
        using var scope = Engine.Autodiff.Autograd.NoGrad();
        return To(DTypes.Of<T>()).ToArray<T>()[0];
    }

    /// <summary>The single element as a double.</summary>
    public double Item() => Item<double>();

    /// <summary>Copies the elements to a double array (any dtype).</summary>
    public double[] ToDoubles()
    {
        using var scope = Engine.Autodiff.Autograd.NoGrad();
        return To(DType.Float64).ToArray<double>();
    }

    private Tensor AsLeaf(bool requiresGrad)
    {
        if (requiresGrad) RequiresGrad = true;
        return this;
    }

    internal static Tensor FromDoubles(double[] values, Shape shape, DType dtype, Device? device)
    {
        var t = FromArray(values, shape, device);
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    private static T[] Flatten<T>(Array data)
    {
        var result = new T[data.Length];
        int i = 0;
        foreach (T v in data) result[i++] = v;
        return result;
    }

    private static string ClrName(DType dtype) => dtype switch
    {
        DType.Float32 => "float",
        DType.Float64 => "double",
        DType.Int32 => "int",
        _ => "bool",
    };

    internal static void RequireFloating(DType dtype, string op)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"{op}: needs a floating dtype (float32 or float64), got {dtype.Name()}.");
    }
}
