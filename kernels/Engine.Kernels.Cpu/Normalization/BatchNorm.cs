using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Batch normalisation of a contiguous tensor viewed as [outer, channels, inner] (N, C, H·W): per-channel
/// statistics, the fused normalise-and-affine forward and the fused backward. Channels are split over
/// <see cref="KernelThreads"/>; each channel's strips of length inner are vectorised.
/// </summary>
/// <remarks>
/// Element types: <see cref="float"/> and <see cref="double"/>. Statistics take one pass with Welford's update
/// per vector lane and Chan's merge of the lanes, so a large mean next to a small spread keeps its digits.
/// An inner axis shorter than 32 ([N, C], short sequences) is vectorised across the channels of a row instead.
/// Per-channel scalars (1/√(var + eps), the backward sums) are formed in double. A null weight means γ = 1,
/// a null bias β = 0.
/// </remarks>
public static unsafe class BatchNorm
{
    // Below this many elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Per-channel mean and biased variance on <see cref="IsaDispatch.Active"/>.</summary>
    public static void Statistics<T>(T* x, long outer, long channels, long inner, T* mean, T* variance) where T : unmanaged =>
        Statistics(x, outer, channels, inner, mean, variance, IsaDispatch.Active);

    /// <summary>Per-channel mean and biased variance (divided by outer·inner) of x, on the given path.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Statistics<T>(T* x, long outer, long channels, long inner, T* mean, T* variance, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "BatchNorm.Statistics";
        CheckLayout(kernel, x, outer, channels, inner);
        NormalizationArguments.CheckPointer(kernel, mean, nameof(mean), channels);
        NormalizationArguments.CheckPointer(kernel, variance, nameof(variance), channels);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float)) StatisticsOn(isa, (float*)x, outer, channels, inner, (float*)mean, (float*)variance);
        else if (typeof(T) == typeof(double)) StatisticsOn(isa, (double*)x, outer, channels, inner, (double*)mean, (double*)variance);
        else throw ReductionArguments.NotSupported<T>(kernel);
    }

    /// <summary>y = (x − mean)/√(variance + eps)·weight + bias per channel, on <see cref="IsaDispatch.Active"/>.</summary>
    public static void Forward<T>(T* x, long outer, long channels, long inner, T* mean, T* variance, T* weight, T* bias, double eps, T* y) where T : unmanaged =>
        Forward(x, outer, channels, inner, mean, variance, weight, bias, eps, y, IsaDispatch.Active);

    /// <summary>y = (x − mean)/√(variance + eps)·weight + bias per channel, on the given path; y may be x.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Forward<T>(T* x, long outer, long channels, long inner, T* mean, T* variance, T* weight, T* bias, double eps, T* y, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "BatchNorm.Forward";
        CheckLayout(kernel, x, outer, channels, inner);
        CheckChannelPointers(kernel, mean, variance, channels);
        NormalizationArguments.CheckPointer(kernel, y, nameof(y), outer * channels * inner);
        NormalizationArguments.CheckEpsilon(kernel, eps);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float)) ForwardOn(isa, (float*)x, outer, channels, inner, (float*)mean, (float*)variance, (float*)weight, (float*)bias, eps, (float*)y);
        else if (typeof(T) == typeof(double)) ForwardOn(isa, (double*)x, outer, channels, inner, (double*)mean, (double*)variance, (double*)weight, (double*)bias, eps, (double*)y);
        else throw ReductionArguments.NotSupported<T>(kernel);
    }

    /// <summary>The fused backward on <see cref="IsaDispatch.Active"/>; see the overload with a path.</summary>
    public static void Backward<T>(T* x, T* dy, long outer, long channels, long inner, T* mean, T* variance, T* weight, double eps, bool training, T* dx, T* dWeight, T* dBias) where T : unmanaged =>
        Backward(x, dy, outer, channels, inner, mean, variance, weight, eps, training, dx, dWeight, dBias, IsaDispatch.Active);

    /// <summary>
    /// Gradients of the forward pass from dy. dWeight = Σ dy·x̂ and dBias = Σ dy per channel (x̂ = (x − mean)·invstd);
    /// dx = invstd·γ·(dy − mean(dy) − x̂·mean(dy·x̂)) when <paramref name="training"/> (mean and variance are the
    /// batch's own), else dx = dy·γ·invstd (fixed running statistics). Any of dx, dWeight, dBias may be null to skip it.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Backward<T>(T* x, T* dy, long outer, long channels, long inner, T* mean, T* variance, T* weight, double eps, bool training,
        T* dx, T* dWeight, T* dBias, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "BatchNorm.Backward";
        CheckLayout(kernel, x, outer, channels, inner);
        CheckChannelPointers(kernel, mean, variance, channels);
        NormalizationArguments.CheckPointer(kernel, dy, nameof(dy), outer * channels * inner);
        NormalizationArguments.CheckEpsilon(kernel, eps);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float))
            BackwardOn(isa, (float*)x, (float*)dy, outer, channels, inner, (float*)mean, (float*)variance, (float*)weight, eps, training, (float*)dx, (float*)dWeight, (float*)dBias);
        else if (typeof(T) == typeof(double))
            BackwardOn(isa, (double*)x, (double*)dy, outer, channels, inner, (double*)mean, (double*)variance, (double*)weight, eps, training, (double*)dx, (double*)dWeight, (double*)dBias);
        else throw ReductionArguments.NotSupported<T>(kernel);
    }

    private static void CheckLayout(string kernel, void* x, long outer, long channels, long inner)
    {
        NormalizationArguments.CheckSizes(kernel, (nameof(outer), outer), (nameof(channels), channels), (nameof(inner), inner));
        NormalizationArguments.CheckPointer(kernel, x, nameof(x), outer * channels * inner);
    }

    private static void CheckChannelPointers(string kernel, void* mean, void* variance, long channels)
    {
        NormalizationArguments.CheckPointer(kernel, mean, nameof(mean), channels);
        NormalizationArguments.CheckPointer(kernel, variance, nameof(variance), channels);
    }

    private static void StatisticsOn<T>(CpuIsa isa, T* x, long outer, long channels, long inner, T* mean, T* variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar: Statistics<T, NormalizationScalar<T>>(x, outer, channels, inner, mean, variance); break;
            case CpuIsa.Avx2: Statistics<T, NormalizationVector<T, Vector256<T>, Simd256<T>>>(x, outer, channels, inner, mean, variance); break;
            default: Statistics<T, NormalizationVector<T, Vector512<T>, Simd512<T>>>(x, outer, channels, inner, mean, variance); break;
        }
    }

    private static void ForwardOn<T>(CpuIsa isa, T* x, long outer, long channels, long inner, T* mean, T* variance, T* weight, T* bias, double eps, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar: Forward<T, NormalizationScalar<T>>(x, outer, channels, inner, mean, variance, weight, bias, eps, y); break;
            case CpuIsa.Avx2: Forward<T, NormalizationVector<T, Vector256<T>, Simd256<T>>>(x, outer, channels, inner, mean, variance, weight, bias, eps, y); break;
            default: Forward<T, NormalizationVector<T, Vector512<T>, Simd512<T>>>(x, outer, channels, inner, mean, variance, weight, bias, eps, y); break;
        }
    }

    private static void BackwardOn<T>(CpuIsa isa, T* x, T* dy, long outer, long channels, long inner, T* mean, T* variance, T* weight, double eps, bool training,
        T* dx, T* dWeight, T* dBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar:
                Backward<T, NormalizationScalar<T>>(x, dy, outer, channels, inner, mean, variance, weight, eps, training, dx, dWeight, dBias); break;
            case CpuIsa.Avx2:
                Backward<T, NormalizationVector<T, Vector256<T>, Simd256<T>>>(x, dy, outer, channels, inner, mean, variance, weight, eps, training, dx, dWeight, dBias); break;
            default:
                Backward<T, NormalizationVector<T, Vector512<T>, Simd512<T>>>(x, dy, outer, channels, inner, mean, variance, weight, eps, training, dx, dWeight, dBias); break;
        }
    }

    private static void Statistics<T, TPath>(T* x, long outer, long channels, long inner, T* mean, T* variance)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        if (inner < BatchNormColumns.MaxInner)
        {
            BatchNormColumns.Statistics<T, TPath>(x, outer, channels, inner, mean, variance);
            return;
        }
        ForChannels(outer * inner, channels, c =>
        {
            var accumulator = new MomentAccumulator<T>();
            for (long n = 0; n < outer; n++) TPath.Accumulate(x + (n * channels + c) * inner, (nint)inner, ref accumulator);
            var moments = accumulator.Total(TPath.Lanes);
            mean[c] = T.CreateTruncating(moments.Mean);
            variance[c] = T.CreateTruncating(moments.Variance);
        });
    }

    private static void Forward<T, TPath>(T* x, long outer, long channels, long inner, T* mean, T* variance, T* weight, T* bias, double eps, T* y)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        if (inner < BatchNormColumns.MaxInner)
        {
            BatchNormColumns.Forward<T, TPath>(x, outer, channels, inner, mean, variance, weight, bias, eps, y);
            return;
        }
        ForChannels(outer * inner, channels, c =>
        {
            double invStd = InverseStd(variance[c], eps);
            T scale = T.CreateTruncating(invStd * Weight(weight, c)), shift = bias == null ? T.Zero : bias[c];
            for (long n = 0; n < outer; n++)
            {
                long offset = (n * channels + c) * inner;
                TPath.Normalize(x + offset, (nint)inner, mean[c], scale, shift, y + offset);
            }
        });
    }

    private static void Backward<T, TPath>(T* x, T* dy, long outer, long channels, long inner, T* mean, T* variance, T* weight, double eps, bool training,
        T* dx, T* dWeight, T* dBias) where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        if (inner < BatchNormColumns.MaxInner)
        {
            BatchNormColumns.Backward<T, TPath>(x, dy, outer, channels, inner, mean, variance, weight, eps, training, dx, dWeight, dBias);
            return;
        }
        long perChannel = outer * inner;
        ForChannels(perChannel, channels, c =>
        {
            double invStd = InverseStd(variance[c], eps);
            double sumDy = 0, sumDyCentered = 0;
            if (training || dWeight != null || dBias != null)
                for (long n = 0; n < outer; n++)
                {
                    long offset = (n * channels + c) * inner;
                    var (stripDy, stripDyCentered) = TPath.GradientSums(x + offset, dy + offset, (nint)inner, mean[c]);
                    sumDy += stripDy;
                    sumDyCentered += stripDyCentered;
                }
            if (dWeight != null) dWeight[c] = T.CreateTruncating(sumDyCentered * invStd);
            if (dBias != null) dBias[c] = T.CreateTruncating(sumDy);
            if (dx == null) return;
            var (k, centeredScale, constant) = InputGradientCoefficients(invStd, Weight(weight, c), sumDy, sumDyCentered, perChannel, training);
            for (long n = 0; n < outer; n++)
            {
                long offset = (n * channels + c) * inner;
                TPath.InputGradient(x + offset, dy + offset, (nint)inner, mean[c], T.CreateTruncating(k),
                    T.CreateTruncating(centeredScale), T.CreateTruncating(constant), dx + offset);
            }
        });
    }

    internal static double InverseStd<T>(T variance, double eps) where T : unmanaged, IFloatingPointIeee754<T> =>
        1.0 / Math.Sqrt(double.CreateTruncating(variance) + eps);

    /// <summary>
    /// dx = dy·DyScale + (x − mean)·CenteredScale + Constant. Training: with k = invstd·γ,
    /// dx = k·dy − k·mean(dy) − k·invstd²·mean(dy·(x − mean))·(x − mean); inference: dx = k·dy.
    /// </summary>
    internal static (double DyScale, double CenteredScale, double Constant) InputGradientCoefficients(
        double invStd, double weight, double sumDy, double sumDyCentered, long count, bool training)
    {
        double k = invStd * weight;
        if (!training) return (k, 0, 0);
        return (k, -k * invStd * invStd * sumDyCentered / count, -k * sumDy / count);
    }

    internal static double Weight<T>(T* weight, long c) where T : unmanaged, IFloatingPointIeee754<T> =>
        weight == null ? 1.0 : double.CreateTruncating(weight[c]);

    /// <summary>Runs <paramref name="body"/> for every channel, channels split over threads when the work is large.</summary>
    private static void ForChannels(long perChannel, long channels, Action<long> body)
    {
        long grain = Math.Max(1, ParallelThreshold / Math.Max(1, perChannel));
        if (KernelThreads.Count == 1 || channels <= grain)
        {
            for (long c = 0; c < channels; c++) body(c);
            return;
        }
        KernelThreads.ForRange(channels, grain, (start, end) =>
        {
            for (long c = start; c < end; c++) body(c);
        });
    }
}
