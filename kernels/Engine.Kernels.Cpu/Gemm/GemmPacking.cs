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
        // Walk the source along its shorter stride so reads stay within cache lines.
        if (typeof(T) == typeof(float) && a.ColStride == 1 && rows == 6 && mr == 6 && Avx2FloatPacking.IsSupported)
        {
            Avx2FloatPacking.PackARowMajor6((float*)a.Data, a.RowStride, kc, (float*)dst);
            return;
        }
        if (typeof(T) == typeof(double) && a.ColStride == 1 && rows == 6 && mr == 6 && Avx2DoublePacking.IsSupported)
        {
            Avx2DoublePacking.PackARowMajor6((double*)a.Data, a.RowStride, kc, (double*)dst);
            return;
        }
        if (a.ColStride == 1)
        {
            for (int i = 0; i < rows; i++) ScatterContiguous(a.At(i, 0), kc, dst + i, mr);
        }
        else if (Math.Abs(a.ColStride) <= Math.Abs(a.RowStride))
        {
            for (int i = 0; i < rows; i++)
            {
                T* src = a.At(i, 0);
                long cs = a.ColStride;
                for (int p = 0; p < kc; p++) dst[p * mr + i] = src[p * cs];
            }
        }
        else if (a.RowStride == 1)
        {
            CopyRuns(a.Data, a.ColStride, kc, rows, dst, mr);
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                T* src = a.At(0, p);
                long rs = a.RowStride;
                for (int i = 0; i < rows; i++) dst[p * mr + i] = src[i * rs];
            }
        }
        if (rows < mr) ZeroPad(dst, kc, mr, rows);
    }

    private static void PackBSliver(int kc, int cols, StridedMatrix<T> b, T* dst, int nr)
    {
        if (b.ColStride == 1)
            CopyRuns(b.Data, b.RowStride, kc, cols, dst, nr);
        else if (Math.Abs(b.ColStride) <= Math.Abs(b.RowStride))
        {
            for (int p = 0; p < kc; p++)
            {
                T* src = b.At(p, 0);
                long cs = b.ColStride;
                for (int j = 0; j < cols; j++) dst[p * nr + j] = src[j * cs];
            }
        }
        else if (typeof(T) == typeof(float) && b.RowStride == 1 && cols == 16 && nr == 16 && Avx2FloatPacking.IsSupported)
        {
            Avx2FloatPacking.PackBColumnMajor16((float*)b.Data, b.ColStride, kc, (float*)dst);
            return;
        }
        else if (typeof(T) == typeof(double) && b.RowStride == 1 && cols == 8 && nr == 8 && Avx2DoublePacking.IsSupported)
        {
            Avx2DoublePacking.PackBColumnMajor8((double*)b.Data, b.ColStride, kc, (double*)dst);
            return;
        }
        else if (b.RowStride == 1)
        {
            for (int j = 0; j < cols; j++) ScatterContiguous(b.At(0, j), kc, dst + j, nr);
        }
        else
        {
            for (int j = 0; j < cols; j++)
            {
                T* src = b.At(0, j);
                long rs = b.RowStride;
                for (int p = 0; p < kc; p++) dst[p * nr + j] = src[p * rs];
            }
        }
        if (cols < nr) ZeroPad(dst, kc, nr, cols);
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
    /// in the source, interleaved into a sliver. Unrolled and pointer-stepped because this is the packing
    /// hot spot for the usual layouts; the cost per element must stay far below its reuse in the kernel.
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
