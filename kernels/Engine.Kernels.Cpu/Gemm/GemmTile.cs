using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar tile store shared by the portable kernel and the driver's ragged edges.</summary>
internal static unsafe class GemmTile<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// C = alpha·tile + beta·C for rows × cols (tile row stride <paramref name="tileStride"/>), rounding exactly
    /// as the vector kernels do: alpha·acc when beta is zero (C not read), else FusedMultiplyAdd(acc, alpha, beta·C).
    /// </summary>
    public static void Store(int rows, int cols, T* tile, int tileStride, T* c, long ldc, T alpha, T beta)
    {
        bool betaIsZero = beta == T.Zero;
        for (int i = 0; i < rows; i++)
        {
            T* cRow = c + i * ldc;
            T* tRow = tile + i * tileStride;
            for (int j = 0; j < cols; j++)
                cRow[j] = betaIsZero ? alpha * tRow[j] : T.FusedMultiplyAdd(tRow[j], alpha, beta * cRow[j]);
        }
    }
}
