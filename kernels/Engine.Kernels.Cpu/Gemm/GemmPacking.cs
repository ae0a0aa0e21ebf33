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
    public static void PackA(int mc, int kc, StridedMatrix<T> a, T* packed, int mr)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            PackASliver(rows, kc, a.From(ir, 0), packed + (long)ir * kc, mr);
        }
    }

    /// <summary>
    /// Packs the kc×nc panel of <paramref name="b"/> as ceil(nc/nr) slivers, each kc rows of nr columns
    /// (element (p, j) of a sliver at p*nr + j).
    /// </summary>
    public static void PackB(int kc, int nc, StridedMatrix<T> b, T* packed, int nr)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            PackBSliver(kc, cols, b.From(0, jr), packed + (long)jr * kc, nr);
        }
    }

    private static void PackASliver(int rows, int kc, StridedMatrix<T> a, T* dst, int mr)
    {
        if (rows == mr && TryPackARowMajorWithAvx2(kc, a, dst, mr)) return;
        if (a.ColStride == 1)
        {
            // Row-major: each row is contiguous along k and lands every mr elements.
            for (int i = 0; i < rows; i++) ScatterContiguous(a.At(i, 0), kc, dst + i, mr);
        }
        else if (a.RowStride == 1)
        {
            // Column-major (A transposed): each k step is a contiguous run of rows.
            CopyRuns(a.Data, a.ColStride, kc, rows, dst, mr);
        }
        else
        {
            PackStrided(a, rows, kc, dst, mr);
        }
        if (rows < mr) ZeroPad(dst, kc, mr, rows);
    }

    private static void PackBSliver(int kc, int cols, StridedMatrix<T> b, T* dst, int nr)
    {
        if (b.ColStride == 1)
        {
            // Row-major: each k step is a contiguous run of columns.
            CopyRuns(b.Data, b.RowStride, kc, cols, dst, nr);
        }
        else if (cols == nr && TryPackBColumnMajorWithAvx2(kc, b, dst, nr))
        {
            return;
        }
        else if (b.RowStride == 1)
        {
            // Column-major (B transposed): each column is contiguous along k and lands every nr elements.
            for (int j = 0; j < cols; j++) ScatterContiguous(b.At(0, j), kc, dst + j, nr);
        }
        else
        {
            // Element (p, j) of B is element (j, p) of its transpose, packed exactly like an A sliver.
            PackStrided(new StridedMatrix<T>(b.Data, b.ColStride, b.RowStride), cols, kc, dst, nr);
        }
        if (cols < nr) ZeroPad(dst, kc, nr, cols);
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

    /// <summary>Row-major 6-row A slivers of the float and double kernels, transposed in registers.</summary>
    private static bool TryPackARowMajorWithAvx2(int kc, StridedMatrix<T> a, T* dst, int mr)
    {
        if (a.ColStride != 1 || mr != 6) return false;
        if (typeof(T) == typeof(float) && Avx2FloatPacking.IsSupported)
        {
            Avx2FloatPacking.PackARowMajor6((float*)a.Data, a.RowStride, kc, (float*)dst);
            return true;
        }
        if (typeof(T) == typeof(double) && Avx2DoublePacking.IsSupported)
        {
            Avx2DoublePacking.PackARowMajor6((double*)a.Data, a.RowStride, kc, (double*)dst);
            return true;
        }
        return false;
    }

    /// <summary>Column-major B slivers of the AVX2 kernels (16 floats, 8 doubles), transposed in registers.</summary>
    private static bool TryPackBColumnMajorWithAvx2(int kc, StridedMatrix<T> b, T* dst, int nr)
    {
        if (b.RowStride != 1) return false;
        if (typeof(T) == typeof(float) && nr == 16 && Avx2FloatPacking.IsSupported)
        {
            Avx2FloatPacking.PackBColumnMajor16((float*)b.Data, b.ColStride, kc, (float*)dst);
            return true;
        }
        if (typeof(T) == typeof(double) && nr == 8 && Avx2DoublePacking.IsSupported)
        {
            Avx2DoublePacking.PackBColumnMajor8((double*)b.Data, b.ColStride, kc, (double*)dst);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Copies <paramref name="runs"/> runs of <paramref name="width"/> contiguous elements, src runs
    /// <paramref name="srcStride"/> apart, dst runs <paramref name="dstStride"/> apart: a row-major B panel
    /// or a column-major A block, where packing is a plain vector copy.
    /// </summary>
    private static void CopyRuns(T* src, long srcStride, int runs, int width, T* dst, int dstStride)
    {
        if (width == 2 * Vector256<T>.Count)
        {
            // Full B sliver of the AVX2 kernels: two straight vector copies per row.
            for (int r = 0; r < runs; r++, src += srcStride, dst += dstStride)
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + Vector256<T>.Count), dst + Vector256<T>.Count);
            }
            return;
        }
        for (int r = 0; r < runs; r++, src += srcStride, dst += dstStride)
        {
            int i = 0;
            for (; i + Vector256<T>.Count <= width; i += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(src + i), dst + i);
            for (; i + Vector128<T>.Count <= width; i += Vector128<T>.Count)
                Vector128.Store(Vector128.Load(src + i), dst + i);
            for (; i < width; i++) dst[i] = src[i];
        }
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
