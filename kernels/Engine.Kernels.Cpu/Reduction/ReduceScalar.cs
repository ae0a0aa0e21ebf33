using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The scalar reduction: the reference behaviour every vector path is tested against. Sums are pairwise
/// (recursive halving down to short naive runs), so the rounding error grows with log(length).
/// </summary>
internal static unsafe class ReduceScalar<T> where T : unmanaged, INumber<T>
{
    // Runs this short are summed naively; halving below it costs more than it gains in accuracy.
    private const int NaiveRunLength = 128;

    /// <summary>Reduces x viewed as [outer, length, inner] over the middle axis into y [outer, inner].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOp>(T* x, nint outer, nint length, nint inner, T* y) where TOp : IReduceCombiner
    {
        for (nint o = 0; o < outer; o++)
        {
            T* slice = x + o * length * inner;
            for (nint i = 0; i < inner; i++)
                y[o * inner + i] = Strided<TOp>(slice + i, length, inner);
        }
    }

    /// <summary>Reduces the <paramref name="count"/> elements x[0], x[stride], x[2·stride], …</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Strided<TOp>(T* x, nint count, nint stride) where TOp : IReduceCombiner
    {
        if (count > NaiveRunLength)
        {
            nint half = count / 2;
            return TOp.Combine(Strided<TOp>(x, half, stride), Strided<TOp>(x + half * stride, count - half, stride));
        }
        T accumulated = TOp.Identity<T>();
        for (nint k = 0; k < count; k++)
            accumulated = TOp.Combine(accumulated, x[k * stride]);
        return accumulated;
    }
}
