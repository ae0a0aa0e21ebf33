using System.Numerics;
using ILGPU;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The obviously-correct GPU GEMM: one thread per C element, a plain dot product over k read straight from
/// global memory. It is the second oracle of the tiled kernel and a fallback; it is not meant to be fast.
/// </summary>
internal static class ReferenceGemmKernel
{
    /// <summary>Thread (x = j, y = i, z = batch item within the launch) computes C(i,j) of that item.</summary>
    public static void Run<T>(Index3D index, GemmProblem<T> problem, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c,
        ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<long> cOffsets)
        where T : unmanaged, INumber<T>
    {
        long j = index.X, i = index.Y, item = problem.FirstItem + index.Z;
        long aRow = problem.ABase(item, aOffsets) + i * problem.ARowStride;
        long bColumn = problem.BBase(item, bOffsets) + j * problem.BColStride;
        T sum = T.Zero;
        for (long p = 0; p < problem.K; p++)
            sum += a[aRow + p * problem.AColStride] * b[bColumn + p * problem.BRowStride];
        problem.Store(c, problem.CBase(item, cOffsets) + i * problem.Ldc + j, sum);
    }
}
