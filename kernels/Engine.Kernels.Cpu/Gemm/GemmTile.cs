using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>The tile store shared by the portable kernel and the driver's ragged edges.</summary>
internal static unsafe class GemmTile<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// C = alpha·tile + beta·C for rows × cols (tile row stride <paramref name="tileStride"/>), rounding exactly
    /// as the vector kernels do: alpha·acc when beta is zero (C not read), else FusedMultiplyAdd(acc, alpha, beta·C).
    /// Whole 256-bit vectors of each row go through vector registers (same operations, lane by lane), the rest
    /// one element at a time: the narrow-B path (n = 10 of a 16-wide tile) stores every tile this way.
    /// </summary>
    public static void Store(int rows, int cols, T* tile, int tileStride, T* c, long ldc, T alpha, T beta)
    {
        bool betaIsZero = beta == T.Zero;
        int vectorCols = Vector256.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double))
            ? cols - cols % Vector256<T>.Count
            : 0;
        Vector256<T> alphaV = Vector256.Create(alpha), betaV = Vector256.Create(beta);
        for (int i = 0; i < rows; i++)
        {
            T* cRow = c + i * ldc;
            T* tRow = tile + i * tileStride;
            int j = 0;
            for (; j < vectorCols; j += Vector256<T>.Count)
            {
                Vector256<T> acc = Vector256.Load(tRow + j);
                Vector256<T> result = betaIsZero ? acc * alphaV : Fma(acc, alphaV, betaV * Vector256.Load(cRow + j));
                result.Store(cRow + j);
            }
            for (; j < cols; j++)
                cRow[j] = betaIsZero ? alpha * tRow[j] : T.FusedMultiplyAdd(tRow[j], alpha, beta * cRow[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
}
