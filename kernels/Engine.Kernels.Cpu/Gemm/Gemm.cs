using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// General matrix multiply C = alpha·A·B + beta·C on raw memory, for float and double, with the BLIS
/// structure (packed, cache-blocked panels feeding a register-blocked micro-kernel) and multi-threading
/// over <see cref="KernelThreads.Count"/> threads.
/// </summary>
/// <remarks>
/// A(i,p) = a[i*aRowStride + p*aColStride] and B(p,j) = b[p*bRowStride + j*bColStride], so a transposed
/// operand is just swapped strides and any strides work; C(i,j) = c[i*ldc + j] is row-major. When beta is
/// zero C is only written, never read (it may hold NaN). k = 0 gives C = beta·C; m = 0 or n = 0 does nothing.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>Per-item work (multiply-adds) below which a batch is split across threads item by item.</summary>
    private const long BatchItemParallelLimit = 128L * 128 * 128;

    /// <summary>Computes C = alpha·A·B + beta·C on the path <see cref="IsaDispatch.Active"/> chooses.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="alpha">Scale of the product A·B.</param>
    /// <param name="a">Element A(0,0).</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Element B(0,0).</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of the old C; zero means C is not read.</param>
    /// <param name="c">Element C(0,0).</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <exception cref="ArgumentOutOfRangeException">m, n or k is negative.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void Run<T>(int m, int n, int k, T alpha, T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride, T beta, T* c, long ldc)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(m, n, k, alpha, a, aRowStride, aColStride, b, bRowStride, bColStride, beta, c, ldc, IsaDispatch.Active);

    /// <summary>Computes C = alpha·A·B + beta·C on the given instruction-set path (see the overload without it).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="alpha">Scale of the product A·B.</param>
    /// <param name="a">Element A(0,0).</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Element B(0,0).</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of the old C; zero means C is not read.</param>
    /// <param name="c">Element C(0,0).</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <param name="isa">The path to take; <see cref="CpuIsa.Avx512"/> runs (emulated) everywhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">m, n or k is negative, or <paramref name="isa"/> is unknown.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="PlatformNotSupportedException">AVX2 was asked for on a CPU without AVX2+FMA.</exception>
    public static void Run<T>(int m, int n, int k, T alpha, T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride, T beta, T* c, long ldc, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.CheckElementType<T>();
        GemmArguments.CheckSizes(m, n, k);
        IsaDispatch.Take(isa, "Gemm");
        RunChecked(m, n, k, alpha, new StridedMatrix<T>(a, aRowStride, aColStride),
            new StridedMatrix<T>(b, bRowStride, bColStride), beta, c, ldc, isa, KernelThreads.Count);
    }

    /// <summary>
    /// Runs <paramref name="batch"/> independent GEMMs of the same shape and strides on the path
    /// <see cref="IsaDispatch.Active"/> chooses: item i multiplies a+aOffsets[i] by b+bOffsets[i] into c+cOffsets[i].
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="batch">Number of GEMMs.</param>
    /// <param name="m">Rows of each A and C.</param>
    /// <param name="n">Columns of each B and C.</param>
    /// <param name="k">Columns of each A, rows of each B.</param>
    /// <param name="alpha">Scale of each product.</param>
    /// <param name="a">Base of the A operands.</param>
    /// <param name="aOffsets">Element offset of each item's A(0,0) from <paramref name="a"/>; may repeat (broadcast).</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Base of the B operands.</param>
    /// <param name="bOffsets">Element offset of each item's B(0,0) from <paramref name="b"/>; may repeat (broadcast).</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of each old C; zero means C is not read.</param>
    /// <param name="c">Base of the C outputs.</param>
    /// <param name="cOffsets">Element offset of each item's C(0,0) from <paramref name="c"/>; the C matrices must not overlap.</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <exception cref="ArgumentOutOfRangeException">batch, m, n or k is negative.</exception>
    /// <exception cref="ArgumentException">An offsets span does not have <paramref name="batch"/> entries.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void RunBatched<T>(int batch, int m, int n, int k, T alpha,
        T* a, ReadOnlySpan<long> aOffsets, long aRowStride, long aColStride,
        T* b, ReadOnlySpan<long> bOffsets, long bRowStride, long bColStride,
        T beta, T* c, ReadOnlySpan<long> cOffsets, long ldc)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        RunBatched(batch, m, n, k, alpha, a, aOffsets, aRowStride, aColStride, b, bOffsets, bRowStride, bColStride,
            beta, c, cOffsets, ldc, IsaDispatch.Active);

    /// <summary>Runs a batch of GEMMs on the given instruction-set path (see the overload without it).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="batch">Number of GEMMs.</param>
    /// <param name="m">Rows of each A and C.</param>
    /// <param name="n">Columns of each B and C.</param>
    /// <param name="k">Columns of each A, rows of each B.</param>
    /// <param name="alpha">Scale of each product.</param>
    /// <param name="a">Base of the A operands.</param>
    /// <param name="aOffsets">Element offset of each item's A(0,0) from <paramref name="a"/>; may repeat (broadcast).</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Base of the B operands.</param>
    /// <param name="bOffsets">Element offset of each item's B(0,0) from <paramref name="b"/>; may repeat (broadcast).</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of each old C; zero means C is not read.</param>
    /// <param name="c">Base of the C outputs.</param>
    /// <param name="cOffsets">Element offset of each item's C(0,0) from <paramref name="c"/>; the C matrices must not overlap.</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <param name="isa">The path to take; <see cref="CpuIsa.Avx512"/> runs (emulated) everywhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">batch, m, n or k is negative, or <paramref name="isa"/> is unknown.</exception>
    /// <exception cref="ArgumentException">An offsets span does not have <paramref name="batch"/> entries.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <exception cref="PlatformNotSupportedException">AVX2 was asked for on a CPU without AVX2+FMA.</exception>
    public static void RunBatched<T>(int batch, int m, int n, int k, T alpha,
        T* a, ReadOnlySpan<long> aOffsets, long aRowStride, long aColStride,
        T* b, ReadOnlySpan<long> bOffsets, long bRowStride, long bColStride,
        T beta, T* c, ReadOnlySpan<long> cOffsets, long ldc, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.CheckElementType<T>();
        GemmArguments.CheckSizes(m, n, k);
        GemmArguments.CheckBatch(batch, aOffsets.Length, bOffsets.Length, cOffsets.Length);
        IsaDispatch.Take(isa, "Gemm");
        if (batch == 0 || m == 0 || n == 0) return;

        var aItems = new StridedMatrix<T>(a, aRowStride, aColStride);
        var bItems = new StridedMatrix<T>(b, bRowStride, bColStride);
        int threads = KernelThreads.Count;
        fixed (long* aOff = aOffsets, bOff = bOffsets, cOff = cOffsets)
        {
            if (threads > 1 && batch > 1 && (long)m * n * k < BatchItemParallelLimit)
            {
                // Small items: one whole GEMM per thread at a time beats splitting each tiny GEMM.
                long* aOffsetsPinned = aOff, bOffsetsPinned = bOff, cOffsetsPinned = cOff;
                KernelThreads.ForRange(batch, 1, (start, end) =>
                {
                    for (long i = start; i < end; i++)
                        RunItem(i, m, n, k, alpha, aItems, aOffsetsPinned, bItems, bOffsetsPinned, beta, c,
                            cOffsetsPinned, ldc, isa, threads: 1);
                });
            }
            else
            {
                for (long i = 0; i < batch; i++)
                    RunItem(i, m, n, k, alpha, aItems, aOff, bItems, bOff, beta, c, cOff, ldc, isa, threads);
            }
        }
    }

    private static void RunItem<T>(long item, int m, int n, int k, T alpha, StridedMatrix<T> a, long* aOffsets,
        StridedMatrix<T> b, long* bOffsets, T beta, T* c, long* cOffsets, long ldc, CpuIsa isa, int threads)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        RunChecked(m, n, k, alpha, a.Offset(aOffsets[item]), b.Offset(bOffsets[item]), beta,
            c + cOffsets[item], ldc, isa, threads);

    /// <summary>Runs one GEMM whose arguments are already validated.</summary>
    internal static void RunChecked<T>(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b,
        T beta, T* c, long ldc, CpuIsa isa, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        switch (isa)
        {
            case CpuIsa.Avx2:
                GemmDriver<T, VectorMicroKernel<T, Vector256<T>, Simd256<T>>>.Run(m, n, k, alpha, a, b, beta, c, ldc, threads);
                break;
            case CpuIsa.Avx512:
                GemmDriver<T, VectorMicroKernel<T, Vector512<T>, Simd512<T>>>.Run(m, n, k, alpha, a, b, beta, c, ldc, threads);
                break;
            default:
                GemmDriver<T, ScalarMicroKernel<T>>.Run(m, n, k, alpha, a, b, beta, c, ldc, threads);
                break;
        }
    }

    /// <summary>C = beta·C, the whole answer when k is zero; beta = 0 clears C without reading it.</summary>
    private static void ScaleC<T>(int m, int n, T beta, T* c, long ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool betaIsZero = beta == T.Zero;
        for (int i = 0; i < m; i++)
        {
            T* row = c + i * ldc;
            for (int j = 0; j < n; j++) row[j] = betaIsZero ? T.Zero : beta * row[j];
        }
    }
}
