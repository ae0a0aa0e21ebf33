using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// One element type's side of a conversion: read as double (exact for float, int and byte) and written from a
/// double with the CPU's rule (StridedCopy.Convert: a saturating conversion, NaN kept in floats and 0 in ints, that truncates
/// toward zero for int; the backend's ToBool for byte: non-zero, NaN included, → 1).
/// </summary>
internal interface IGpuElementConversion<T> where T : unmanaged
{
    /// <summary>x as a double.</summary>
    double Read(T x);
    /// <summary>The value written for <paramref name="v"/>.</summary>
    T Write(double v);
}

/// <summary>float: a float read widens exactly; a write rounds once (an int source is exact in double).</summary>
internal readonly struct FloatConversion : IGpuElementConversion<float>
{
    public double Read(float x) => x;
    public float Write(double v) => (float)v;
}

/// <summary>double.</summary>
internal readonly struct DoubleConversion : IGpuElementConversion<double>
{
    public double Read(double x) => x;
    public double Write(double v) => v;
}

/// <summary>int: truncation toward zero, saturated to [int.MinValue, int.MaxValue], NaN → 0.</summary>
internal readonly struct IntConversion : IGpuElementConversion<int>
{
    public double Read(int x) => x;
    public int Write(double v)
    {
        if (XMath.IsNaN(v)) return 0;
        if (v >= int.MaxValue) return int.MaxValue;
        if (v <= int.MinValue) return int.MinValue;
        return (int)v;
    }
}

/// <summary>byte as a Bool 0/1: read as its value, written as value ≠ 0 (NaN → 1).</summary>
internal readonly struct BoolConversion : IGpuElementConversion<byte>
{
    public double Read(byte x) => x;
    public byte Write(double v) => v != 0 ? (byte)1 : (byte)0;
}

/// <summary>A strided copy with a conversion from TSrc to TDst, rank ≤ 6.</summary>
internal static class ConvertKernel<TSrc, TDst, TRead, TWrite>
    where TSrc : unmanaged where TDst : unmanaged
    where TRead : struct, IGpuElementConversion<TSrc> where TWrite : struct, IGpuElementConversion<TDst>
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<TSrc>, GpuStrides, ArrayView<TDst>, GpuStrides, GpuShape, long>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<TSrc>, GpuStrides, ArrayView<TDst>, GpuStrides, GpuShape, long>(Kernel));

    internal static void Kernel(Index1D thread, ArrayView<TSrc> src, GpuStrides srcStrides, ArrayView<TDst> dst, GpuStrides dstStrides, GpuShape shape, long n)
    {
        TRead read = default;
        TWrite write = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            dst[shape.Offset(i, dstStrides)] = write.Write(read.Read(src[shape.Offset(i, srcStrides)]));
    }
}

/// <summary>A strided copy without conversion (the bits move unchanged) and a strided fill, for any element type.</summary>
internal static class StridedCopyKernel<T> where T : unmanaged
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, GpuShape, long>> Copy =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, GpuShape, long>(CopyKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, GpuStrides, GpuShape, long, T>> Fill =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, GpuStrides, GpuShape, long, T>(FillKernel));

    internal static void CopyKernel(Index1D thread, ArrayView<T> src, GpuStrides srcStrides, ArrayView<T> dst, GpuStrides dstStrides, GpuShape shape, long n)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            dst[shape.Offset(i, dstStrides)] = src[shape.Offset(i, srcStrides)];
    }

    internal static void FillKernel(Index1D thread, ArrayView<T> dst, GpuStrides strides, GpuShape shape, long n, T value)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            dst[shape.Offset(i, strides)] = value;
    }
}
