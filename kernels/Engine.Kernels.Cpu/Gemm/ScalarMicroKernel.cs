using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>The portable micro-kernel: a plain 4×4 loop in T, for CPUs without AVX2 and as a baseline.</summary>
internal readonly unsafe struct ScalarMicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Rows = 4;
    private const int Cols = 4;

    public static int Mr => Rows;
    public static int Nr => Cols;

    /// <summary>No shorter tile: a 4-row tile already wastes at most three rows, and this kernel is the baseline.</summary>
    public static int ShortMr => Rows;
    public static GemmBlocking Blocking => new(Mc: 128, Kc: 256, Nc: 2048);

    public static void Multiply(int kc, T* packedA, T* packedB, T* c, long ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[Rows * Cols];
        for (int x = 0; x < Rows * Cols; x++) acc[x] = T.Zero;
        for (int p = 0; p < kc; p++, packedA += Rows, packedB += Cols)
        {
            for (int i = 0; i < Rows; i++)
            {
                T ai = packedA[i];
                for (int j = 0; j < Cols; j++) acc[i * Cols + j] += ai * packedB[j];
            }
        }
        GemmTile<T>.Store(Rows, Cols, acc, Cols, c, ldc, alpha, beta);
    }

    public static void MultiplyShort(int kc, T* packedA, T* packedB, T* c, long ldc, T alpha, T beta) =>
        Multiply(kc, packedA, packedB, c, ldc, alpha, beta);

    public static void MultiplyRows(int kc, T* a, long lda, T* packedB, T* c, long ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[Rows * Cols];
        for (int x = 0; x < Rows * Cols; x++) acc[x] = T.Zero;
        for (int p = 0; p < kc; p++, packedB += Cols)
        {
            for (int i = 0; i < Rows; i++)
            {
                T ai = a[i * lda + p];
                for (int j = 0; j < Cols; j++) acc[i * Cols + j] += ai * packedB[j];
            }
        }
        GemmTile<T>.Store(Rows, Cols, acc, Cols, c, ldc, alpha, beta);
    }

    public static void MultiplyColumns(int kc, T* a, long lda, T* packedB, T* c, long ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[Rows * Cols];
        for (int x = 0; x < Rows * Cols; x++) acc[x] = T.Zero;
        for (int p = 0; p < kc; p++, a += lda, packedB += Cols)
        {
            for (int i = 0; i < Rows; i++)
            {
                T ai = a[i];
                for (int j = 0; j < Cols; j++) acc[i * Cols + j] += ai * packedB[j];
            }
        }
        GemmTile<T>.Store(Rows, Cols, acc, Cols, c, ldc, alpha, beta);
    }
}
