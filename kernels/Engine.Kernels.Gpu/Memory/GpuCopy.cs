using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Strided copy with element conversion, and strided fill, on a GPU, with the CPU backend's semantics (Copy,
/// ConvertFrom, ToBool, Fill) over a rank ≤ 6 shape. Element types: float, double, int and byte (Bool 0/1).
/// </summary>
public static class GpuCopy
{
    // The conversion kernels of the twelve pairs of distinct types, as Func<Accelerator, Action<…>> boxed in object.
    private static readonly Dictionary<(Type, Type), Func<Accelerator, object>> Conversions = new()
    {
        [(typeof(float), typeof(double))] = ConvertKernel<float, double, FloatConversion, DoubleConversion>.Loaded.On,
        [(typeof(float), typeof(int))] = ConvertKernel<float, int, FloatConversion, IntConversion>.Loaded.On,
        [(typeof(float), typeof(byte))] = ConvertKernel<float, byte, FloatConversion, BoolConversion>.Loaded.On,
        [(typeof(double), typeof(float))] = ConvertKernel<double, float, DoubleConversion, FloatConversion>.Loaded.On,
        [(typeof(double), typeof(int))] = ConvertKernel<double, int, DoubleConversion, IntConversion>.Loaded.On,
        [(typeof(double), typeof(byte))] = ConvertKernel<double, byte, DoubleConversion, BoolConversion>.Loaded.On,
        [(typeof(int), typeof(float))] = ConvertKernel<int, float, IntConversion, FloatConversion>.Loaded.On,
        [(typeof(int), typeof(double))] = ConvertKernel<int, double, IntConversion, DoubleConversion>.Loaded.On,
        [(typeof(int), typeof(byte))] = ConvertKernel<int, byte, IntConversion, BoolConversion>.Loaded.On,
        [(typeof(byte), typeof(float))] = ConvertKernel<byte, float, BoolConversion, FloatConversion>.Loaded.On,
        [(typeof(byte), typeof(double))] = ConvertKernel<byte, double, BoolConversion, DoubleConversion>.Loaded.On,
        [(typeof(byte), typeof(int))] = ConvertKernel<byte, int, BoolConversion, IntConversion>.Loaded.On,
    };

    /// <summary>
    /// Enqueues dst[idx] = convert(src[idx]) for every index of <paramref name="shape"/>. The same type copies the
    /// bits; otherwise as the CPU's StridedCopy.Convert: NaN stays NaN in float and double and is 0 in int, float → int
    /// truncates toward zero and saturates (±∞ → int.MaxValue/MinValue); into byte (Bool), any non-zero value,
    /// NaN included, is 1.
    /// </summary>
    /// <typeparam name="TSrc">float, double, int or byte.</typeparam>
    /// <typeparam name="TDst">float, double, int or byte.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="src">The source.</param>
    /// <param name="srcStrides">The source's element stride per axis (0: broadcast).</param>
    /// <param name="dst">The destination (its elements must not overlap one another or the source).</param>
    /// <param name="dstStrides">The destination's element stride per axis.</param>
    /// <param name="shape">The shape, rank ≤ 6.</param>
    public static void Copy<TSrc, TDst>(Accelerator accelerator, ArrayView<TSrc> src, ReadOnlySpan<long> srcStrides, ArrayView<TDst> dst,
        ReadOnlySpan<long> dstStrides, ReadOnlySpan<long> shape) where TSrc : unmanaged where TDst : unmanaged
    {
        string kernel = $"GpuCopy.Copy {typeof(TSrc).Name} → {typeof(TDst).Name}";
        ArgumentNullException.ThrowIfNull(accelerator);
        CheckType<TSrc>(kernel);
        CheckType<TDst>(kernel);
        long n = StridedOperands.Count(kernel, shape);
        StridedOperands.Check(kernel, nameof(src), shape, srcStrides, src.Length);
        StridedOperands.Check(kernel, nameof(dst), shape, dstStrides, dst.Length);
        if (n == 0) return;
        GpuStrides s = GpuStrides.From(srcStrides), d = GpuStrides.From(dstStrides);
        GpuShape padded = GpuShape.From(shape);
        if (typeof(TSrc) == typeof(TDst))
        {
            StridedCopyKernel<TSrc>.Copy.On(accelerator)(GridStride.Threads(n), src, s, dst.Cast<TSrc>(), d, padded, n);
            return;
        }
        var launch = (Action<Index1D, ArrayView<TSrc>, GpuStrides, ArrayView<TDst>, GpuStrides, GpuShape, long>)Conversions[(typeof(TSrc), typeof(TDst))](accelerator);
        launch(GridStride.Threads(n), src, s, dst, d, padded, n);
    }

    /// <summary>
    /// Enqueues dst[idx] = value for every index of <paramref name="shape"/>, leaving the other elements of the
    /// view untouched. (The CPU backend's conversion of a double fill value to the element type is the caller's.)
    /// </summary>
    /// <typeparam name="T">float, double, int or byte.</typeparam>
    /// <param name="accelerator">The accelerator holding the view.</param>
    /// <param name="dst">The destination.</param>
    /// <param name="strides">Its element stride per axis.</param>
    /// <param name="shape">The shape, rank ≤ 6.</param>
    /// <param name="value">The value.</param>
    public static void Fill<T>(Accelerator accelerator, ArrayView<T> dst, ReadOnlySpan<long> strides, ReadOnlySpan<long> shape, T value)
        where T : unmanaged
    {
        string kernel = $"GpuCopy.Fill {typeof(T).Name}";
        ArgumentNullException.ThrowIfNull(accelerator);
        CheckType<T>(kernel);
        long n = StridedOperands.Count(kernel, shape);
        StridedOperands.Check(kernel, nameof(dst), shape, strides, dst.Length);
        if (n == 0) return;
        StridedCopyKernel<T>.Fill.On(accelerator)(GridStride.Threads(n), dst, GpuStrides.From(strides), GpuShape.From(shape), n, value);
    }

    private static void CheckType<T>(string kernel)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int) && typeof(T) != typeof(byte))
            throw new NotSupportedException($"{kernel}: element types are float, double, int and byte, not {typeof(T).FullName}.");
    }
}
