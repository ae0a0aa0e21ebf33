using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Combines the lanes of one <see cref="Vector256{T}"/> or <see cref="Vector512{T}"/> into a scalar, pairwise
/// in registers (halves, then quarters, …). The width is chosen by <c>typeof</c> tests the JIT folds away, so
/// the kernels written over <see cref="ISimd{TV,T}"/> call it for either width.
/// </summary>
internal static class LaneCombine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Combine<TOp, T, TV>(TV value)
        where TOp : IReduceCombiner where T : unmanaged, INumber<T> where TV : struct
    {
        if (typeof(TV) == typeof(Vector256<T>))
            return Combine256<TOp, T>(Unsafe.As<TV, Vector256<T>>(ref value));
        if (typeof(TV) == typeof(Vector512<T>))
        {
            var wide = Unsafe.As<TV, Vector512<T>>(ref value);
            return Combine256<TOp, T>(TOp.Combine<Vector256<T>, T, Simd256<T>>(wide.GetLower(), wide.GetUpper()));
        }
        throw new NotSupportedException($"No lane combine for {typeof(TV)}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe T Combine256<TOp, T>(Vector256<T> value)
        where TOp : IReduceCombiner where T : unmanaged, INumber<T>
    {
        value = TOp.Combine<Vector256<T>, T, Simd256<T>>(value, Vector256.Create(value.GetUpper(), value.GetLower()));
        if (sizeof(T) == 8)
        {
            var swapped = Vector256.Shuffle(value.AsInt64(), Vector256.Create(1L, 0, 3, 2)).As<long, T>();
            return TOp.Combine<Vector256<T>, T, Simd256<T>>(value, swapped).ToScalar();
        }
        var pairs = Vector256.Shuffle(value.AsInt32(), Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)).As<int, T>();
        value = TOp.Combine<Vector256<T>, T, Simd256<T>>(value, pairs);
        var neighbours = Vector256.Shuffle(value.AsInt32(), Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)).As<int, T>();
        return TOp.Combine<Vector256<T>, T, Simd256<T>>(value, neighbours).ToScalar();
    }
}
