using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y = (a op b) ? 1 : 0 as bytes on a GPU for every <see cref="CompareOp"/>, with the semantics of
/// <see cref="Compare.Reference{T}"/> (IEEE: only NotEqual holds with a NaN), strided like <see cref="GpuBinary"/>.
/// </summary>
public static class GpuCompare
{
    /// <summary>Enqueues y = a op b on the accelerator's default stream (synchronize before reading y on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="op">The comparison.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStrides">a's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStrides">b's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="y">Output bytes (1 where the comparison holds, else 0), contiguous over <paramref name="shape"/>.</param>
    /// <param name="shape">The output shape, rank ≤ 6.</param>
    public static void Apply<T>(Accelerator accelerator, CompareOp op, ArrayView<T> a, ReadOnlySpan<long> aStrides,
        ArrayView<T> b, ReadOnlySpan<long> bStrides, ArrayView<byte> y, ReadOnlySpan<long> shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        string kernel = $"GpuCompare {op}";
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{kernel}: unknown comparison.");
        long n = StridedOperands.Count(kernel, shape);
        StridedOperands.Check(kernel, nameof(a), shape, aStrides, a.Length);
        StridedOperands.Check(kernel, nameof(b), shape, bStrides, b.Length);
        if (y.Length < n) throw new ArgumentException($"{kernel}: y has {y.Length} elements, shape [{string.Join(", ", shape.ToArray())}] needs {n}.", nameof(y));
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<byte>, GpuShape, long, int>>(
            accelerator, nameof(GpuCompare), CompareKernel<float, GpuFloatMath>.Loaded.On, CompareKernel<double, GpuDoubleMath>.Loaded.On);
        launch(GridStride.Threads(n), a, GpuStrides.From(aStrides), b, GpuStrides.From(bStrides), y, GpuShape.From(shape), n, (int)op);
    }
}

/// <summary>The comparison kernel for one element type.</summary>
internal static class CompareKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<byte>, GpuShape, long, int>> Loaded =
        new(acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<byte>, GpuShape, long, int>(Kernel));

    private static void Kernel(Index1D thread, ArrayView<T> a, GpuStrides aStrides, ArrayView<T> b, GpuStrides bStrides,
        ArrayView<byte> y, GpuShape shape, long n, int op)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            y[i] = Holds((CompareOp)op, a[shape.Offset(i, aStrides)], b[shape.Offset(i, bStrides)]) ? (byte)1 : (byte)0;
    }

    private static bool Holds(CompareOp op, T a, T b)
    {
        TMath m = default;
        switch (op)
        {
            case CompareOp.Equal: return m.Equal(a, b);
            case CompareOp.NotEqual: return !m.Equal(a, b);
            case CompareOp.Less: return m.Less(a, b);
            case CompareOp.LessEqual: return m.LessEqual(a, b);
            case CompareOp.Greater: return m.Less(b, a);
            case CompareOp.GreaterEqual: return m.LessEqual(b, a);
            default: return false;
        }
    }
}
