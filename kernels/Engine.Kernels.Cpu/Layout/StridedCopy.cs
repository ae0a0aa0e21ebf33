using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Copies an N-dimensional strided view into another view of the same shape, optionally converting the
/// element type. This is the one kernel behind <c>Contiguous()</c>, casts, concatenation and padding.
/// </summary>
/// <remarks>
/// Strides are in elements and may be zero (broadcast) on the source. Adjacent dimensions that are
/// contiguous in both views are merged first, so a copy between two contiguous views is one block copy, which
/// is cut into one piece per thread when it is long (<see cref="Layout.ForEachSegment"/>): a copy of 2^20 floats
/// took 0.124 ms on 1 thread and 0.118 ms on 2 as one piece, 0.058–0.063 ms on 2 cut in two (PyTorch 0.063–0.073 ms).
/// </remarks>
public static unsafe class StridedCopy
{
    /// <summary>Copies <paramref name="src"/> (with <paramref name="srcStrides"/>) into <paramref name="dst"/>.</summary>
    public static void Run<T>(ReadOnlySpan<int> shape, T* src, long[] srcStrides, T* dst, long[] dstStrides)
        where T : unmanaged
    {
        var layout = Layout.Coalesce(shape, srcStrides, dstStrides);
        long strideSrc = layout.InnerStride(0), strideDst = layout.InnerStride(1);
        Layout.SegmentAction copy = (offsets, n) =>
        {
            T* s = src + offsets[0];
            T* d = dst + offsets[1];
            if (strideSrc == 1 && strideDst == 1)
                Buffer.MemoryCopy(s, d, n * sizeof(T), n * sizeof(T));
            else
                for (long i = 0; i < n; i++) d[i * strideDst] = s[i * strideSrc];
        };
        // Views of one buffer that overlap (t[1..].Assign(t[..^1])) copy on one thread, so a contiguous copy keeps
        // memmove's semantics; anything else may run in parallel pieces.
        if (Overlap(shape, src, srcStrides, dst, dstStrides))
            layout.ForEachSegment(copy, long.MaxValue);
        else if (IsTranspose(layout))
            CopyTransposed(layout, src, dst);
        else
            layout.ForEachSegment(copy);
    }

    /// <summary>
    /// Side of the square tiles a transposing copy moves through the cache. Float, 1 thread, 512² / 1024² / 2048²:
    /// tiles of 16 took 0.65 / 1.57 / 7.2 ms, 32 0.56 / 1.40 / 3.5, 64 0.39 / 1.31 / 3.8.
    /// </summary>
    private const int TransposeTile = 64;

    /// <summary>Both sides of a transpose at least this long take the tiled path (a partial tile still reuses its lines).</summary>
    private const int TransposeMinSide = 16;

    /// <summary>
    /// A transpose: the destination runs along the row while the source does not, and the source runs along the
    /// next-fastest row index instead (<c>x.Transpose(0, 1).Contiguous()</c>, or a permute that moves the last axis).
    /// Copied row by row, every element read would touch its own cache line.
    /// </summary>
    private static bool IsTranspose(Layout layout)
    {
        int last = layout.OuterRank - 1;
        return last >= 0 && layout.InnerStride(1) == 1 && layout.InnerStride(0) != 1
            && layout.OuterStride(0, last) == 1 && Math.Abs(layout.OuterStride(1, last)) <= int.MaxValue
            && layout.InnerSize >= TransposeMinSide && layout.OuterSize(last) >= TransposeMinSide;
    }

    /// <summary>
    /// The transpose case, in TransposeTile×TransposeTile tiles (each source column segment and destination row
    /// segment then stays in L1 while its tile is copied), through in-register 8×8 (float) or 4×4 (double)
    /// transposes where AVX is there; the tiles are shared out over the threads. Float, 1 thread, 512² / 1024² /
    /// 2048²: row by row 1.86 / 4.73 / 25.0 ms, tiled 0.40 / 1.31 / 3.8 ms (PyTorch 0.18 / 0.96 / 5.5 ms); 2 threads
    /// tiled 0.25 / 0.68 / 2.5 ms (PyTorch 0.20 / 0.70 / 4.7).
    /// </summary>
    private static void CopyTransposed<T>(Layout layout, T* src, T* dst) where T : unmanaged
    {
        int last = layout.OuterRank - 1;
        long rows = layout.OuterSize(last), cols = layout.InnerSize;
        long srcColumnStride = layout.InnerStride(0);
        int dstRowStride = (int)layout.OuterStride(1, last);
        long rowTiles = (rows + TransposeTile - 1) / TransposeTile;
        long jobs = layout.OuterCount / rows * rowTiles;
        KernelThreads.ForRange(jobs, Math.Max(1, (1 << 16) / (TransposeTile * cols)), (start, end) =>
        {
            Span<long> index = stackalloc long[layout.OuterRank];
            for (long job = start; job < end; job++)
            {
                long plane = job / rowTiles, firstRow = job % rowTiles * TransposeTile;
                layout.Unravel(plane * rows + firstRow, index);
                int height = (int)Math.Min(TransposeTile, rows - firstRow);
                TransposeRows(src + layout.Offset(0, index), srcColumnStride, dst + layout.Offset(1, index), dstRowStride,
                    height, cols);
            }
        });
    }

    /// <summary>dst[r·dstRowStride + c] = src[r + c·srcColumnStride] for r &lt; height, c &lt; cols, a tile at a time.</summary>
    private static void TransposeRows<T>(T* src, long srcColumnStride, T* dst, int dstRowStride, int height, long cols)
        where T : unmanaged
    {
        int square = Avx2Packing<T>.IsSupported ? System.Runtime.Intrinsics.Vector256<T>.Count : 0;
        for (long c0 = 0; c0 < cols; c0 += TransposeTile)
        {
            int width = (int)Math.Min(TransposeTile, cols - c0);
            int r = 0;
            if (square > 0)
            {
                for (; r + square <= height; r += square)
                {
                    int c = 0;
                    for (; c + square <= width; c += square)
                        Avx2Packing<T>.TransposeSquare(src + r + (c0 + c) * srcColumnStride, srcColumnStride,
                            dst + (long)r * dstRowStride + c0 + c, dstRowStride);
                    for (; c < width; c++)
                        for (int i = 0; i < square; i++)
                            dst[(long)(r + i) * dstRowStride + c0 + c] = src[r + i + (c0 + c) * srcColumnStride];
                }
            }
            for (long c = c0; c < c0 + width; c++)
                for (int i = r; i < height; i++)
                    dst[(long)i * dstRowStride + c] = src[i + c * srcColumnStride];
        }
    }

    /// <summary>Whether the address ranges the two views span intersect.</summary>
    private static bool Overlap<T>(ReadOnlySpan<int> shape, T* src, long[] srcStrides, T* dst, long[] dstStrides) where T : unmanaged
    {
        (long srcLow, long srcHigh) = Extent(shape, srcStrides);
        (long dstLow, long dstHigh) = Extent(shape, dstStrides);
        return (byte*)(src + srcLow) <= (byte*)(dst + dstHigh) + sizeof(T) - 1
            && (byte*)(dst + dstLow) <= (byte*)(src + srcHigh) + sizeof(T) - 1;
    }

    /// <summary>The lowest and highest element offsets a view reaches (strides may be negative).</summary>
    private static (long Low, long High) Extent(ReadOnlySpan<int> shape, long[] strides)
    {
        long low = 0, high = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            long reach = (long)(shape[d] - 1) * strides[d];
            if (reach < 0) low += reach;
            else high += reach;
        }
        return (low, high);
    }

    /// <summary>
    /// Copies with an element conversion: float→int truncates toward zero and saturates, NaN becomes 0,
    /// anything non-zero becomes 1 in a byte (boolean) destination only through the caller's choice of op.
    /// </summary>
    public static void Convert<TSrc, TDst>(ReadOnlySpan<int> shape, TSrc* src, long[] srcStrides, TDst* dst, long[] dstStrides)
        where TSrc : unmanaged, INumberBase<TSrc>
        where TDst : unmanaged, INumberBase<TDst>
    {
        var layout = Layout.Coalesce(shape, srcStrides, dstStrides);
        long strideSrc = layout.InnerStride(0), strideDst = layout.InnerStride(1);
        layout.ForEachSegment((offsets, n) =>
        {
            TSrc* s = src + offsets[0];
            TDst* d = dst + offsets[1];
            for (long i = 0; i < n; i++)
            {
                TSrc v = s[i * strideSrc];
                d[i * strideDst] = TDst.CreateSaturating(v); // NaN stays NaN in a float, becomes 0 in an int
            }
        });
    }
}
