using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>x viewed as [Outer, Channels, Inner] as a kernel parameter.</summary>
internal readonly struct ChannelLayout(long outer, long channels, long inner)
{
    /// <summary>N.</summary>
    public readonly long Outer = outer;
    /// <summary>C.</summary>
    public readonly long Channels = channels;
    /// <summary>The spatial product.</summary>
    public readonly long Inner = inner;

    /// <summary>Elements of one channel, Outer·Inner.</summary>
    public long PerChannel => Outer * Inner;

    /// <summary>The offset of the k-th element (k &lt; Outer·Inner) of channel <paramref name="c"/>.</summary>
    public long Offset(long c, long k)
    {
        long n = k / Inner;
        return (n * Channels + c) * Inner + (k - n * Inner);
    }
}

/// <summary>Which optional operands a normalisation kernel has, as bits of one kernel parameter.</summary>
internal static class NormalizationFlags
{
    public const int Weight = 1, Bias = 2, Dx = 4, DWeight = 8, DBias = 16, Training = 32;

    /// <summary>Whether <paramref name="flag"/> is set in <paramref name="flags"/>.</summary>
    public static bool Has(int flags, int flag) => (flags & flag) != 0;
}

/// <summary>
/// The batch- and layer-normalisation kernels for one element type. Per-channel and per-row statistics use one group
/// per channel (row): the threads stride over its elements and a shared-memory tree (<see cref="ReduceKernel{T,TMath}.Fold"/>)
/// sums them, two passes for the variance (the mean first, then the squared deviations from it), so a large mean
/// next to a small spread keeps its digits. No atomics: results do not depend on scheduling.
/// </summary>
internal static class NormalizationKernels<T, TMath, TCount> where T : unmanaged where TMath : struct, IGpuScalarMath<T> where TCount : struct, IGpuCountConversion<T>
{
    /// <summary>Per-channel mean and biased variance.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>>> BatchStatistics =
        new(a => a.LoadStreamKernel<ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>>(BatchStatisticsKernel));

    /// <summary>The batch-norm forward, one thread per element.</summary>
    public static readonly LoadedKernel<Action<Index1D, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>>> BatchForward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>>(BatchForwardKernel));

    /// <summary>The batch-norm backward, one group per channel.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int>> BatchBackward =
        new(a => a.LoadStreamKernel<ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int>(BatchBackwardKernel));

    /// <summary>The layer-norm forward, one group per row.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>, ArrayView<T>, ArrayView<T>>> LayerForward =
        new(a => a.LoadStreamKernel<long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>, ArrayView<T>, ArrayView<T>>(LayerForwardKernel));

    /// <summary>The layer-norm input gradient, one group per row.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>>> LayerBackwardRows =
        new(a => a.LoadStreamKernel<long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>>(LayerBackwardRowsKernel));

    /// <summary>The layer-norm weight and bias gradients, column blocks as <see cref="ColumnBlocks"/> lays them out.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, long, long, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>>> LayerBackwardColumns =
        new(a => a.LoadStreamKernel<long, long, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>>(LayerBackwardColumnsKernel));

    private static void BatchStatisticsKernel(ChannelLayout layout, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX;
        long count = layout.PerChannel;
        // The channel is the same for the whole group, so every thread meets every barrier.
        for (long c = Grid.IdxX; c < layout.Channels; c += Grid.DimX)
        {
            T sum = m.Constant(0);
            for (long k = thread; k < count; k += Group.DimX) sum = m.Add(sum, x[layout.Offset(c, k)]);
            T total = GroupSum(partial, sum);
            T mu = count == 0 ? m.Constant(0) : m.Div(total, default(TCount).FromCount(count));
            Group.Barrier();
            T squares = m.Constant(0);
            for (long k = thread; k < count; k += Group.DimX)
            {
                T d = m.Sub(x[layout.Offset(c, k)], mu);
                squares = m.Add(squares, m.Mul(d, d));
            }
            T m2 = GroupSum(partial, squares);
            if (thread == 0)
            {
                mean[c] = mu;
                variance[c] = count == 0 ? m.Constant(0) : m.Div(m2, default(TCount).FromCount(count));
            }
            Group.Barrier();
        }
    }

    private static void BatchForwardKernel(Index1D thread, ChannelLayout layout, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance,
        ArrayView<T> weight, ArrayView<T> bias, T eps, int flags, ArrayView<T> y)
    {
        TMath m = default;
        long n = layout.Outer * layout.Channels * layout.Inner, threads = GridStride.Threads(n);
        for (long index = thread; index < n; index += threads)
        {
            long c = index / layout.Inner % layout.Channels;
            T scale = m.Div(m.Constant(1), m.Sqrt(m.Add(variance[c], eps)));
            if (NormalizationFlags.Has(flags, NormalizationFlags.Weight)) scale = m.Mul(scale, weight[c]);
            T shift = NormalizationFlags.Has(flags, NormalizationFlags.Bias) ? bias[c] : m.Constant(0);
            y[index] = m.Add(m.Mul(m.Sub(x[index], mean[c]), scale), shift);
        }
    }

    private static void BatchBackwardKernel(ChannelLayout layout, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> mean, ArrayView<T> variance,
        ArrayView<T> weight, ArrayView<T> dx, ArrayView<T> dWeight, ArrayView<T> dBias, T eps, int flags)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX;
        long count = layout.PerChannel;
        for (long c = Grid.IdxX; c < layout.Channels; c += Grid.DimX)
        {
            T mu = mean[c], invStd = m.Div(m.Constant(1), m.Sqrt(m.Add(variance[c], eps)));
            T sumDy = m.Constant(0), sumDyCentered = m.Constant(0);
            for (long k = thread; k < count; k += Group.DimX)
            {
                long at = layout.Offset(c, k);
                sumDy = m.Add(sumDy, dy[at]);
                sumDyCentered = m.Add(sumDyCentered, m.Mul(dy[at], m.Sub(x[at], mu)));
            }
            sumDy = GroupSum(partial, sumDy);
            Group.Barrier();
            sumDyCentered = GroupSum(partial, sumDyCentered);
            Group.Barrier();
            if (thread == 0)
            {
                if (NormalizationFlags.Has(flags, NormalizationFlags.DWeight)) dWeight[c] = m.Mul(sumDyCentered, invStd);
                if (NormalizationFlags.Has(flags, NormalizationFlags.DBias)) dBias[c] = sumDy;
            }
            if (!NormalizationFlags.Has(flags, NormalizationFlags.Dx)) continue;
            // dx = k·dy + (x − mean)·centeredScale + constant, as the CPU's InputGradientCoefficients.
            T k0 = NormalizationFlags.Has(flags, NormalizationFlags.Weight) ? m.Mul(invStd, weight[c]) : invStd;
            T centeredScale = m.Constant(0), constant = m.Constant(0);
            if (NormalizationFlags.Has(flags, NormalizationFlags.Training))
            {
                T total = default(TCount).FromCount(count);
                centeredScale = m.Neg(m.Div(m.Mul(m.Mul(m.Mul(k0, invStd), invStd), sumDyCentered), total));
                constant = m.Neg(m.Div(m.Mul(k0, sumDy), total));
            }
            for (long k = thread; k < count; k += Group.DimX)
            {
                long at = layout.Offset(c, k);
                dx[at] = m.Add(m.Mul(dy[at], k0), m.Add(m.Mul(m.Sub(x[at], mu), centeredScale), constant));
            }
        }
    }

    private static void LayerForwardKernel(long rows, long length, ArrayView<T> x, ArrayView<T> weight, ArrayView<T> bias, T eps, int flags,
        ArrayView<T> y, ArrayView<T> mean, ArrayView<T> invStd)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX;
        for (long r = Grid.IdxX; r < rows; r += Grid.DimX)
        {
            long start = r * length;
            T sum = m.Constant(0);
            for (long j = thread; j < length; j += Group.DimX) sum = m.Add(sum, x[start + j]);
            T total = GroupSum(partial, sum);
            T mu = length == 0 ? m.Constant(0) : m.Div(total, default(TCount).FromCount(length));
            Group.Barrier();
            T squares = m.Constant(0);
            for (long j = thread; j < length; j += Group.DimX)
            {
                T d = m.Sub(x[start + j], mu);
                squares = m.Add(squares, m.Mul(d, d));
            }
            T m2 = GroupSum(partial, squares);
            T variance = length == 0 ? m.Constant(0) : m.Div(m2, default(TCount).FromCount(length));
            T scale = m.Div(m.Constant(1), m.Sqrt(m.Add(variance, eps)));
            for (long j = thread; j < length; j += Group.DimX)
            {
                T normalized = m.Mul(m.Sub(x[start + j], mu), scale);
                if (NormalizationFlags.Has(flags, NormalizationFlags.Weight)) normalized = m.Mul(normalized, weight[j]);
                y[start + j] = NormalizationFlags.Has(flags, NormalizationFlags.Bias) ? m.Add(normalized, bias[j]) : normalized;
            }
            if (thread == 0)
            {
                mean[r] = mu;
                invStd[r] = scale;
            }
            Group.Barrier();
        }
    }

    private static void LayerBackwardRowsKernel(long rows, long length, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> mean, ArrayView<T> invStd,
        ArrayView<T> weight, int flags, ArrayView<T> dx)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX;
        bool weighted = NormalizationFlags.Has(flags, NormalizationFlags.Weight);
        for (long r = Grid.IdxX; r < rows; r += Grid.DimX)
        {
            long start = r * length;
            T mu = mean[r], scale = invStd[r];
            T sumG = m.Constant(0), sumGNormalized = m.Constant(0);
            for (long j = thread; j < length; j += Group.DimX)
            {
                T g = weighted ? m.Mul(dy[start + j], weight[j]) : dy[start + j];
                sumG = m.Add(sumG, g);
                sumGNormalized = m.Add(sumGNormalized, m.Mul(g, m.Mul(m.Sub(x[start + j], mu), scale)));
            }
            sumG = GroupSum(partial, sumG);
            Group.Barrier();
            sumGNormalized = GroupSum(partial, sumGNormalized);
            Group.Barrier();
            T meanG = m.Div(sumG, default(TCount).FromCount(length)), meanGNormalized = m.Div(sumGNormalized, default(TCount).FromCount(length));
            for (long j = thread; j < length; j += Group.DimX)
            {
                T g = weighted ? m.Mul(dy[start + j], weight[j]) : dy[start + j];
                T normalized = m.Mul(m.Sub(x[start + j], mu), scale);
                dx[start + j] = m.Mul(scale, m.Sub(m.Sub(g, meanG), m.Mul(normalized, meanGNormalized)));
            }
        }
    }

    private static void LayerBackwardColumnsKernel(long rows, long length, int columns, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> mean,
        ArrayView<T> invStd, int flags, ArrayView<T> dWeight, ArrayView<T> dBias)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX, cx = thread % columns, row = thread / columns, groupRows = Group.DimX / columns;
        long blocks = (length + columns - 1) / columns;
        for (long block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            long j = block * columns + cx;
            T sumWeight = m.Constant(0), sumBias = m.Constant(0);
            if (j < length)
                for (long r = row; r < rows; r += groupRows)
                {
                    T g = dy[r * length + j];
                    sumWeight = m.Add(sumWeight, m.Mul(g, m.Mul(m.Sub(x[r * length + j], mean[r]), invStd[r])));
                    sumBias = m.Add(sumBias, g);
                }
            sumWeight = ReduceKernel<T, TMath>.Fold(partial, sumWeight, thread, row, groupRows, columns, (int)ReduceOp.Sum);
            Group.Barrier();
            sumBias = ReduceKernel<T, TMath>.Fold(partial, sumBias, thread, row, groupRows, columns, (int)ReduceOp.Sum);
            Group.Barrier();
            if (row == 0 && j < length)
            {
                if (NormalizationFlags.Has(flags, NormalizationFlags.DWeight)) dWeight[j] = sumWeight;
                if (NormalizationFlags.Has(flags, NormalizationFlags.DBias)) dBias[j] = sumBias;
            }
        }
    }

    /// <summary>The sum of every thread's <paramref name="value"/> in the group; barrier before writing <paramref name="partial"/> again.</summary>
    private static T GroupSum(ArrayView<T> partial, T value) =>
        ReduceKernel<T, TMath>.Fold(partial, value, Group.IdxX, Group.IdxX, Group.DimX, 1, (int)ReduceOp.Sum);
}
