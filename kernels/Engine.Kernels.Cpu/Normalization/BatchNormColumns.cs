using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Batch normalisation when the inner axis is too short to vectorise along ([N, C] or [N, C, L] with small L):
/// each row of x viewed as [outer, channels·inner] is contiguous, so the per-line kernels run across a tile
/// of columns (whole channels) with per-column state on the stack, and the rows stream through it.
/// </summary>
/// <remarks>
/// Per-column Welford lanes are shifted by the first row and flushed to double every <see cref="FlushRows"/>
/// rows, as the channel-strip path does per vector lane. A channel's result never depends on how channels
/// are tiled or threaded.
/// </remarks>
internal static unsafe class BatchNormColumns
{
    /// <summary>Inner lengths below this take the column path.</summary>
    public const long MaxInner = 32;

    // Columns per tile: per-column state lives on the stack.
    private const long TileColumns = 512;

    // Rows a column's float state absorbs before it is merged into double.
    private const long FlushRows = 256;

    private const long ParallelThreshold = 1 << 15;

    public static void Statistics<T, TPath>(T* x, long outer, long channels, long inner, T* mean, T* variance)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        long stride = channels * inner;
        ForTiles(outer, channels, inner, (c0, c1) =>
        {
            int width = (int)((c1 - c0) * inner);
            T* start = x + c0 * inner;
            T* shift = stackalloc T[width], laneMean = stackalloc T[width], laneM2 = stackalloc T[width];
            Moments* merged = stackalloc Moments[width];
            new Span<Moments>(merged, width).Clear();
            new Span<T>(laneMean, width).Clear();
            new Span<T>(laneM2, width).Clear();
            for (int j = 0; j < width; j++) shift[j] = outer > 0 ? start[j] : T.Zero;
            long n = 0;
            for (long r = 0; r < outer; r++)
            {
                if (n == FlushRows)
                {
                    Flush(width, n, shift, laneMean, laneM2, merged);
                    n = 0;
                }
                n++;
                TPath.AccumulateColumns(start + r * stride, width, shift, T.One / T.CreateTruncating(n), laneMean, laneM2);
            }
            Flush(width, n, shift, laneMean, laneM2, merged);
            for (long c = c0; c < c1; c++)
            {
                var total = new Moments();
                for (long i = 0; i < inner; i++) total.Merge(merged[(c - c0) * inner + i]);
                mean[c] = T.CreateTruncating(total.Mean);
                variance[c] = T.CreateTruncating(total.Variance);
            }
        });
    }

    public static void Forward<T, TPath>(T* x, long outer, long channels, long inner, T* mean, T* variance, T* weight, T* bias, double eps, T* y)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        long stride = channels * inner;
        ForTiles(outer, channels, inner, (c0, c1) =>
        {
            int width = (int)((c1 - c0) * inner);
            T* columnMean = stackalloc T[width], columnScale = stackalloc T[width], columnShift = stackalloc T[width];
            for (int j = 0; j < width; j++)
            {
                long c = c0 + j / inner;
                columnMean[j] = mean[c];
                columnScale[j] = T.CreateTruncating(BatchNorm.InverseStd(variance[c], eps) * BatchNorm.Weight(weight, c));
                columnShift[j] = bias == null ? T.Zero : bias[c];
            }
            for (long r = 0; r < outer; r++)
            {
                long offset = r * stride + c0 * inner;
                TPath.NormalizeColumns(x + offset, width, columnMean, columnScale, columnShift, y + offset);
            }
        });
    }

    public static void Backward<T, TPath>(T* x, T* dy, long outer, long channels, long inner, T* mean, T* variance, T* weight, double eps, bool training,
        T* dx, T* dWeight, T* dBias) where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        long stride = channels * inner, perChannel = outer * inner;
        ForTiles(outer, channels, inner, (c0, c1) =>
        {
            int width = (int)((c1 - c0) * inner);
            T* columnMean = stackalloc T[width], blockDy = stackalloc T[width], blockDyCentered = stackalloc T[width];
            double* sumDy = stackalloc double[width], sumDyCentered = stackalloc double[width];
            for (int j = 0; j < width; j++) columnMean[j] = mean[c0 + j / inner];
            new Span<double>(sumDy, width).Clear();
            new Span<double>(sumDyCentered, width).Clear();
            if (training || dWeight != null || dBias != null)
                for (long r = 0; r < outer; r += FlushRows)
                {
                    // Float sums over at most FlushRows rows, then double across blocks.
                    new Span<T>(blockDy, width).Clear();
                    new Span<T>(blockDyCentered, width).Clear();
                    for (long row = r; row < Math.Min(outer, r + FlushRows); row++)
                    {
                        long offset = row * stride + c0 * inner;
                        TPath.GradientSumsColumns(x + offset, dy + offset, width, columnMean, blockDy, blockDyCentered);
                    }
                    for (int j = 0; j < width; j++)
                    {
                        sumDy[j] += double.CreateTruncating(blockDy[j]);
                        sumDyCentered[j] += double.CreateTruncating(blockDyCentered[j]);
                    }
                }
            // Reuse the block buffers for the per-column dx coefficients.
            T* dyScale = blockDy, centeredScale = blockDyCentered, constant = stackalloc T[width];
            for (long c = c0; c < c1; c++)
            {
                double channelDy = 0, channelDyCentered = 0;
                for (long i = 0; i < inner; i++)
                {
                    channelDy += sumDy[(c - c0) * inner + i];
                    channelDyCentered += sumDyCentered[(c - c0) * inner + i];
                }
                double invStd = BatchNorm.InverseStd(variance[c], eps);
                if (dWeight != null) dWeight[c] = T.CreateTruncating(channelDyCentered * invStd);
                if (dBias != null) dBias[c] = T.CreateTruncating(channelDy);
                var (k, centered, shift) = BatchNorm.InputGradientCoefficients(invStd, BatchNorm.Weight(weight, c), channelDy, channelDyCentered, perChannel, training);
                for (long i = 0; i < inner; i++)
                {
                    long j = (c - c0) * inner + i;
                    dyScale[j] = T.CreateTruncating(k);
                    centeredScale[j] = T.CreateTruncating(centered);
                    constant[j] = T.CreateTruncating(shift);
                }
            }
            if (dx == null) return;
            for (long r = 0; r < outer; r++)
            {
                long offset = r * stride + c0 * inner;
                TPath.InputGradientColumns(x + offset, dy + offset, width, columnMean, dyScale, centeredScale, constant, dx + offset);
            }
        });
    }

    private static void Flush<T>(int width, long n, T* shift, T* laneMean, T* laneM2, Moments* merged) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        for (int j = 0; j < width; j++)
        {
            merged[j].Merge(new Moments(n, double.CreateTruncating(shift[j]) + double.CreateTruncating(laneMean[j]), double.CreateTruncating(laneM2[j])));
            laneMean[j] = T.Zero;
            laneM2[j] = T.Zero;
        }
    }

    /// <summary>Runs <paramref name="body"/>(first, end) over tiles of whole channels, in parallel when the work is large.</summary>
    private static void ForTiles(long outer, long channels, long inner, Action<long, long> body)
    {
        long perTile = Math.Max(1, TileColumns / Math.Max(1, inner));
        int threads = KernelThreads.Count;
        bool parallel = threads > 1 && outer * channels * inner >= ParallelThreshold;
        // Enough tiles for every thread, but each at least a few vectors wide.
        if (parallel) perTile = Math.Clamp((channels + threads - 1) / threads, Math.Max(1, 64 / Math.Max(1, inner)), perTile);
        long tiles = (channels + perTile - 1) / perTile;
        void Tile(long t) => body(t * perTile, Math.Min(channels, (t + 1) * perTile));
        if (!parallel || tiles == 1)
            for (long t = 0; t < tiles; t++) Tile(t);
        else
            KernelThreads.For((int)tiles, t => Tile(t));
    }
}
