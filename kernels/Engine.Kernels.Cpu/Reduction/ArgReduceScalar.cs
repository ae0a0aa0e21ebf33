using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar arg-reduction: the reference behaviour the vector paths are tested against.</summary>
internal static unsafe class ArgReduceScalar<T> where T : unmanaged, INumber<T>
{
    /// <summary>y[o, i] = first index along the middle axis of the extreme of x[o, :, i]; a NaN is the extreme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOp>(T* x, nint outer, nint length, nint inner, int* y) where TOp : IReduceCombiner
    {
        for (nint o = 0; o < outer; o++)
            for (nint i = 0; i < inner; i++)
                y[o * inner + i] = Strided<TOp>(x + o * length * inner + i, length, inner);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Strided<TOp>(T* x, nint count, nint stride) where TOp : IReduceCombiner
    {
        T best = x[0];
        int bestIndex = 0;
        for (nint k = 1; k < count && !T.IsNaN(best); k++)
        {
            T candidate = x[k * stride];
            // Combine picks the candidate only when strictly better (or NaN): ties keep the first index.
            if (TOp.Combine(best, candidate) != best || T.IsNaN(candidate))
            {
                best = candidate;
                bestIndex = (int)k;
            }
        }
        return bestIndex;
    }
}
