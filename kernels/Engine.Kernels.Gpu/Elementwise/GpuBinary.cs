using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y = op(a, b) on a GPU for every <see cref="BinaryOp"/>, with the semantics of <see cref="Binary.Reference{T}"/>
/// (Max/Min propagate NaN), over a rank ≤ 6 shape: a and b are read through element strides (0 broadcasts an
/// axis), y is contiguous. float and double.
/// </summary>
public static class GpuBinary
{
    /// <summary>Enqueues y = op(a, b) on the accelerator's default stream (synchronize before reading y on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="op">The function.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStrides">a's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStrides">b's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="y">Output, contiguous row-major over <paramref name="shape"/>.</param>
    /// <param name="shape">The output shape, rank ≤ 6.</param>
    public static void Apply<T>(Accelerator accelerator, BinaryOp op, ArrayView<T> a, ReadOnlySpan<long> aStrides,
        ArrayView<T> b, ReadOnlySpan<long> bStrides, ArrayView<T> y, ReadOnlySpan<long> shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        string kernel = $"GpuBinary {op}";
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{kernel}: unknown binary op.");
        long n = StridedOperands.Count(kernel, shape);
        StridedOperands.Check(kernel, nameof(a), shape, aStrides, a.Length);
        StridedOperands.Check(kernel, nameof(b), shape, bStrides, b.Length);
        if (y.Length < n) throw new ArgumentException($"{kernel}: y has {y.Length} elements, shape [{string.Join(", ", shape.ToArray())}] needs {n}.", nameof(y));
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long, int>>(
            accelerator, nameof(GpuBinary), BinaryKernel<float, GpuFloatMath>.Loaded.On, BinaryKernel<double, GpuDoubleMath>.Loaded.On);
        launch(GridStride.Threads(n), a, GpuStrides.From(aStrides), b, GpuStrides.From(bStrides), y, GpuShape.From(shape), n, (int)op);
    }
}

/// <summary>The binary kernel for one element type.</summary>
internal static class BinaryKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long, int>> Loaded =
        new(acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long, int>(Kernel));

    private static void Kernel(Index1D thread, ArrayView<T> a, GpuStrides aStrides, ArrayView<T> b, GpuStrides bStrides,
        ArrayView<T> y, GpuShape shape, long n, int op)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            y[i] = Evaluate((BinaryOp)op, a[shape.Offset(i, aStrides)], b[shape.Offset(i, bStrides)]);
    }

    /// <summary>One element, as <see cref="Binary.Reference{T}"/>.</summary>
    public static T Evaluate(BinaryOp op, T a, T b)
    {
        TMath m = default;
        switch (op)
        {
            case BinaryOp.Add: return m.Add(a, b);
            case BinaryOp.Sub: return m.Sub(a, b);
            case BinaryOp.Mul: return m.Mul(a, b);
            case BinaryOp.Div: return m.Div(a, b);
            case BinaryOp.Pow: return m.Pow(a, b);
            case BinaryOp.Max: return ElementFunctions.Max<T, TMath>(a, b);
            case BinaryOp.Min: return ElementFunctions.Min<T, TMath>(a, b);
            case BinaryOp.MaskPositive: return m.Less(m.Constant(0), b) ? a : m.Constant(0);
            default: return m.Constant(double.NaN);
        }
    }
}
