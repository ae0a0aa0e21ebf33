using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Clipping by norm without a host round trip (Keras' clip_by_norm for one view, clip_by_global_norm for several):
/// each view's sum of squares goes as fixed per-group partials (in double) into one device buffer, one thread adds
/// them in buffer order into the factor limit / max(limit, √Σ) (a device scalar), and each view is scaled by it.
/// Deterministic for given lengths; nothing is read back, so the caller never waits for the device.
/// </summary>
public static class GpuNormClipping
{
    /// <summary>The partials <see cref="AddSumOfSquares{T}"/> writes for a view of <paramref name="length"/> elements.</summary>
    /// <param name="length">The view's length (≥ 0).</param>
    public static int PartialCount(long length) => length <= 0 ? 0 : SumOfSquaresGroups.Groups(length);

    /// <summary>Enqueues Σ x² of <paramref name="x"/> as <see cref="PartialCount"/> partials into <paramref name="partials"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="x">The elements.</param>
    /// <param name="partials">Where the partials go: exactly <see cref="PartialCount"/>(x.Length) doubles.</param>
    /// <exception cref="ArgumentException"><paramref name="partials"/> has the wrong length.</exception>
    public static void AddSumOfSquares<T>(Accelerator accelerator, ArrayView<T> x, ArrayView<double> partials) where T : unmanaged
    {
        const string kernel = "GpuNormClipping.AddSumOfSquares";
        ArgumentNullException.ThrowIfNull(accelerator);
        int groups = PartialCount(x.Length);
        if (partials.Length != groups)
            throw new ArgumentException($"{kernel}: {x.Length} elements need {groups} partials, got a view of {partials.Length}.", nameof(partials));
        var launch = ElementType.Pick<T, Action<KernelConfig, ArrayView<T>, ArrayView<double>, long>>(accelerator, kernel,
            SumOfSquaresKernel<float, FloatWidening>.Loaded.On, SumOfSquaresKernel<double, DoubleWidening>.Loaded.On);
        if (groups == 0) return;
        launch(new KernelConfig(groups, SumOfSquaresGroups.GroupSize), x, partials, x.Length);
    }

    /// <summary>
    /// Enqueues factor[0] ← 1 when √(Σ partials) ≤ <paramref name="limit"/>, else limit / √(Σ partials) (NaN for a
    /// NaN norm, as on the CPU); the partials are added in order by one thread.
    /// </summary>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="partials">The partials of every view clipped together.</param>
    /// <param name="limit">The largest norm left unchanged (finite, &gt; 0).</param>
    /// <param name="factor">One double, written.</param>
    /// <exception cref="ArgumentException">The limit is not finite and positive, or <paramref name="factor"/> is empty.</exception>
    public static void Factor(Accelerator accelerator, ArrayView<double> partials, double limit, ArrayView<double> factor)
    {
        const string kernel = "GpuNormClipping.Factor";
        ArgumentNullException.ThrowIfNull(accelerator);
        if (!(double.IsFinite(limit) && limit > 0))
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"{kernel}: the limit must be finite and positive, got {limit}.");
        if (factor.Length < 1) throw new ArgumentException($"{kernel}: the factor view is empty.", nameof(factor));
        FactorKernel.On(accelerator)(1, partials, partials.Length, limit, factor);
    }

    /// <summary>Enqueues x ← x·factor[0] in place, the factor converted to T first (as the CPU's Scale).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="x">The elements.</param>
    /// <param name="factor">The factor <see cref="Factor"/> wrote.</param>
    public static void Scale<T>(Accelerator accelerator, ArrayView<T> x, ArrayView<double> factor) where T : unmanaged
    {
        const string kernel = "GpuNormClipping.Scale";
        ArgumentNullException.ThrowIfNull(accelerator);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, long, ArrayView<double>>>(accelerator, kernel,
            NormScaleKernel<float, GpuFloatMath>.Loaded.On, NormScaleKernel<double, GpuDoubleMath>.Loaded.On);
        if (x.Length == 0) return;
        launch(GridStride.Threads(x.Length), x, x.Length, factor);
    }

    private static readonly LoadedKernel<Action<Index1D, ArrayView<double>, long, double, ArrayView<double>>> FactorKernel =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, long, double, ArrayView<double>>(ComputeFactor));

    // One thread: a fixed order of addition, so the factor is the same on every run.
    internal static void ComputeFactor(Index1D thread, ArrayView<double> partials, long count, double limit, ArrayView<double> factor)
    {
        double total = 0;
        for (long i = 0; i < count; i++) total += partials[i];
        double norm = XMath.Sqrt(total);
        factor[0] = norm <= limit ? 1.0 : limit / norm;
    }
}

/// <summary>x ← x·factor[0], the factor narrowed to T.</summary>
internal static class NormScaleKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, long, ArrayView<double>>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, long, ArrayView<double>>(Kernel));

    internal static void Kernel(Index1D thread, ArrayView<T> x, long n, ArrayView<double> factor)
    {
        TMath m = default;
        T f = m.Constant(factor[0]);
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads) x[i] = m.Mul(x[i], f);
    }
}
