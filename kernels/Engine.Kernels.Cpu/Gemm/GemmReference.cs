using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The obviously-correct GEMM: a scalar triple loop accumulating in T, with the same meaning and argument
/// layout as <see cref="Gemm.Run{T}(int, int, int, T, T*, long, long, T*, long, long, T, T*, long)"/>.
/// It is the oracle the fast paths are tested against; it is not meant to be fast.
/// </summary>
public static unsafe class GemmReference
{
    /// <summary>
    /// Computes C = alpha·A·B + beta·C with A(i,p) = a[i*aRowStride + p*aColStride],
    /// B(p,j) = b[p*bRowStride + j*bColStride] and C(i,j) = c[i*ldc + j]. When beta is zero C is not read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">m, n or k is negative.</exception>
    public static void Run<T>(int m, int n, int k, T alpha, T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride, T beta, T* c, long ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.CheckSizes(m, n, k);
        bool betaIsZero = beta == T.Zero;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride];
                T* cij = c + i * ldc + j;
                *cij = betaIsZero ? alpha * sum : alpha * sum + beta * *cij;
            }
        }
    }
}
