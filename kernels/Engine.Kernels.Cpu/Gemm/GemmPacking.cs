using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Copies blocks of A and panels of B, whatever their strides, into the contiguous sliver layout the
/// micro-kernels stream through, zero-padding the ragged edge so every kernel call runs a full Mr×Nr tile.
/// </summary>
internal static unsafe class GemmPacking<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Packs the mc×kc block of <paramref name="a"/> as ceil(mc/mr) slivers, each kc columns of mr rows
    /// (element (i, p) of a sliver at p*mr + i).
    /// </summary>
    public static void PackA(int mc, int kc, StridedMatrix<T> a, T* packed, int mr) =>
        PackSlivers(mc, kc, a, packed, mr);

    /// <summary>
    /// Packs the kc×nc panel of <paramref name="b"/> as ceil(nc/nr) slivers, each kc rows of nr columns
    /// (element (p, j) of a sliver at p*nr + j). Element (p, j) of B is element (j, p) of its transpose, so
    /// this is the A packing of Bᵀ: one code path for both operands, whatever their layouts.
    /// </summary>
    public static void PackB(int kc, int nc, StridedMatrix<T> b, T* packed, int nr) =>
        PackSlivers(nc, kc, b.Transpose(), packed, nr);

    /// <summary>
    /// Packs rows [0, count) × columns [0, kc) of <paramref name="src"/> as ceil(count/width) slivers of
    /// <paramref name="width"/> rows, each k-major: element (i, p) of a sliver at p*width + i.
    /// </summary>
    private static void PackSlivers(int count, int kc, StridedMatrix<T> src, T* packed, int width)
    {
        for (int r = 0; r < count; r += width)
        {
            int rows = Math.Min(width, count - r);
            PackSliver(rows, kc, src.From(r, 0), packed + (long)r * kc, width);
        }
    }

    private static void PackSliver(int rows, int kc, StridedMatrix<T> src, T* dst, int width)
    {
        if (src.ColStride == 1)
        {
            // Rows contiguous along k (row-major A, column-major B), each landing every width elements:
            // a transpose, done in registers for the full slivers of the AVX2 kernels.
            int done = rows == width && Avx2Packing<T>.IsSupported
                ? Avx2Packing<T>.PackRows(src.Data, src.RowStride, width, kc, dst)
                : 0;
            for (int i = 0; i < rows; i++) ScatterContiguous(src.At(i, done), kc - done, dst + (long)done * width + i, width);
        }
        else if (src.RowStride == 1)
        {
            // Each k step is a contiguous run of rows (column-major A, row-major B): a plain copy.
            if (CopyRuns(src.Data, src.ColStride, kc, rows, dst, width)) return;
        }
        else
        {
            PackStrided(src, rows, kc, dst, width);
        }
        if (rows < width) ZeroPad(dst, kc, width, rows);
    }

    /// <summary>
    /// The general case, neither stride 1: dst[p*width + i] = src(i, p) for i &lt; count, p &lt; kc, walking
    /// the source along its shorter stride so consecutive reads share cache lines where they can.
    /// </summary>
    private static void PackStrided(StridedMatrix<T> src, int count, int kc, T* dst, int width)
    {
        if (Math.Abs(src.ColStride) <= Math.Abs(src.RowStride))
        {
            for (int i = 0; i < count; i++)
            {
                T* from = src.At(i, 0);
                long stride = src.ColStride;
                for (int p = 0; p < kc; p++) dst[p * width + i] = from[p * stride];
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                T* from = src.At(0, p);
                long stride = src.RowStride;
                for (int i = 0; i < count; i++) dst[p * width + i] = from[i * stride];
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="runs"/> runs of <paramref name="count"/> contiguous elements, src runs
    /// <paramref name="srcStride"/> apart, dst runs <paramref name="dstStride"/> apart: a row-major B panel
    /// or a column-major A block, where packing is a plain vector copy. Returns whether it also zeroed the
    /// padding [count, dstStride) of each run, which it does for a ragged sliver of the AVX2 kernels' B (two
    /// vector stores per run instead of a scalar store per padded element).
    /// </summary>
    private static bool CopyRuns(T* src, long srcStride, int runs, int count, T* dst, int dstStride)
    {
        int lanes = Vector256<T>.Count;
        if (count == 2 * lanes)
        {
            // Full sliver of the AVX2 kernels' B: two straight vector copies per row.
            for (int r = 0; r < runs; r++, src += srcStride, dst += dstStride)
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + lanes), dst + lanes);
            }
            return false;
        }
        bool zeroPadding = count < dstStride && dstStride == 2 * lanes;
        for (int r = 0; r < runs; r++, src += srcStride, dst += dstStride)
        {
            if (zeroPadding)
            {
                Vector256.Store(Vector256<T>.Zero, dst);
                Vector256.Store(Vector256<T>.Zero, dst + lanes);
            }
            RunCopy.Copy(src, dst, count);
        }
        return zeroPadding;
    }

    /// <summary>
    /// dst[q*dstStride] = src[q] for q &lt; count: one row of A (or column of B) whose elements are contiguous
    /// in the source, interleaved into a sliver. Unrolled and pointer-stepped: it is the packing path for
    /// ragged edge slivers and for CPUs without AVX, and packing must stay cheap next to the kernel's reuse.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterContiguous(T* src, int count, T* dst, int dstStride)
    {
        int q = 0;
        for (; q + 4 <= count; q += 4, dst += 4 * dstStride)
        {
            dst[0] = src[q];
            dst[dstStride] = src[q + 1];
            dst[2 * dstStride] = src[q + 2];
            dst[3 * dstStride] = src[q + 3];
        }
        for (; q < count; q++, dst += dstStride) *dst = src[q];
    }

    /// <summary>Zeroes entries [valid, width) of each of the kc packed rows of the given width.</summary>
    private static void ZeroPad(T* dst, int kc, int width, int valid)
    {
        for (int p = 0; p < kc; p++)
        {
            for (int x = valid; x < width; x++) dst[p * width + x] = T.Zero;
        }
    }
}
