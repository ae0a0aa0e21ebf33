using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y = cond != 0 ? a : b (a "where") on a GPU, as <see cref="Engine.Kernels.Cpu.Select"/>, with cond, a and b
/// strided like <see cref="GpuBinary"/>. float and double.
/// </summary>
public static class GpuSelect
{
    /// <summary>Enqueues y = cond ? a : b on the accelerator's default stream (synchronize before reading y on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="cond">Condition bytes (non-zero picks a).</param>
    /// <param name="condStrides">cond's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="a">Values where cond holds.</param>
    /// <param name="aStrides">a's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="b">Values where it does not.</param>
    /// <param name="bStrides">b's element stride per axis of <paramref name="shape"/> (0: broadcast).</param>
    /// <param name="y">Output, contiguous row-major over <paramref name="shape"/>.</param>
    /// <param name="shape">The output shape, rank ≤ 6.</param>
    public static void Apply<T>(Accelerator accelerator, ArrayView<byte> cond, ReadOnlySpan<long> condStrides,
        ArrayView<T> a, ReadOnlySpan<long> aStrides, ArrayView<T> b, ReadOnlySpan<long> bStrides, ArrayView<T> y,
        ReadOnlySpan<long> shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        const string kernel = nameof(GpuSelect);
        long n = StridedOperands.Count(kernel, shape);
        StridedOperands.Check(kernel, nameof(cond), shape, condStrides, cond.Length);
        StridedOperands.Check(kernel, nameof(a), shape, aStrides, a.Length);
        StridedOperands.Check(kernel, nameof(b), shape, bStrides, b.Length);
        if (y.Length < n) throw new ArgumentException($"{kernel}: y has {y.Length} elements, shape [{string.Join(", ", shape.ToArray())}] needs {n}.", nameof(y));
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<byte>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long>>(
            accelerator, kernel, SelectKernel<float>.Loaded.On, SelectKernel<double>.Loaded.On);
        launch(GridStride.Threads(n), cond, GpuStrides.From(condStrides), a, GpuStrides.From(aStrides), b, GpuStrides.From(bStrides),
            y, GpuShape.From(shape), n);
    }
}

/// <summary>The select kernel for one element type (it only moves values, so it needs no arithmetic).</summary>
internal static class SelectKernel<T> where T : unmanaged
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, ArrayView<byte>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long>> Loaded =
        new(acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuStrides, ArrayView<T>, GpuShape, long>(Kernel));

    private static void Kernel(Index1D thread, ArrayView<byte> cond, GpuStrides condStrides, ArrayView<T> a, GpuStrides aStrides,
        ArrayView<T> b, GpuStrides bStrides, ArrayView<T> y, GpuShape shape, long n)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            y[i] = cond[shape.Offset(i, condStrides)] != 0 ? a[shape.Offset(i, aStrides)] : b[shape.Offset(i, bStrides)];
    }
}
