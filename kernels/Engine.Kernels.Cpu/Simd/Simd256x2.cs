using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>Two 256-bit vectors processed as one: the AVX2 path's unit of work.</summary>
internal struct Vector256x2<T> where T : unmanaged
{
    public Vector256<T> Lo;
    public Vector256<T> Hi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256x2(Vector256<T> lo, Vector256<T> hi) { Lo = lo; Hi = hi; }
}

/// <summary>
/// <see cref="ISimd{TV,T}"/> on pairs of 256-bit vectors. Every step of a kernel is issued twice on
/// independent data, so latency-bound chains (Horner polynomials, divisions) overlap: the AVX2 loop's ×2
/// unrolling without a second inlined copy of the kernel.
/// </summary>
internal readonly unsafe struct Simd256x2<T> : ISimd<Vector256x2<T>, T> where T : unmanaged
{
    private static Vector256x2<T> Pair(Vector256<T> lo, Vector256<T> hi) => new(lo, hi);

    public static int Count => 2 * Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Load(T* p) => Pair(Vector256.Load(p), Vector256.Load(p + Vector256<T>.Count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256x2<T> v) { v.Lo.Store(p); v.Hi.Store(p + Vector256<T>.Count); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Splat(T value) { var v = Vector256.Create(value); return Pair(v, v); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Add(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo + b.Lo, a.Hi + b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Sub(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo - b.Lo, a.Hi - b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Mul(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo * b.Lo, a.Hi * b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Div(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo / b.Lo, a.Hi / b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Fma(Vector256x2<T> a, Vector256x2<T> b, Vector256x2<T> c) => Pair(Simd256<T>.Fma(a.Lo, b.Lo, c.Lo), Simd256<T>.Fma(a.Hi, b.Hi, c.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> FmaSub(Vector256x2<T> a, Vector256x2<T> b, Vector256x2<T> c) => Pair(Simd256<T>.FmaSub(a.Lo, b.Lo, c.Lo), Simd256<T>.FmaSub(a.Hi, b.Hi, c.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Sqrt(Vector256x2<T> a) => Pair(Vector256.Sqrt(a.Lo), Vector256.Sqrt(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Abs(Vector256x2<T> a) => Pair(Vector256.Abs(a.Lo), Vector256.Abs(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Neg(Vector256x2<T> a) => Pair(-a.Lo, -a.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Max(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.Max(a.Lo, b.Lo), Vector256.Max(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Min(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.Min(a.Lo, b.Lo), Vector256.Min(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> MaxFast(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.MaxNative(a.Lo, b.Lo), Vector256.MaxNative(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> MinFast(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.MinNative(a.Lo, b.Lo), Vector256.MinNative(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Equal(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.Equals(a.Lo, b.Lo), Vector256.Equals(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> LessThan(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.LessThan(a.Lo, b.Lo), Vector256.LessThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> LessOrEqual(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.LessThanOrEqual(a.Lo, b.Lo), Vector256.LessThanOrEqual(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> GreaterThan(Vector256x2<T> a, Vector256x2<T> b) => Pair(Vector256.GreaterThan(a.Lo, b.Lo), Vector256.GreaterThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> IsNaN(Vector256x2<T> a) => Pair(Simd256<T>.IsNaN(a.Lo), Simd256<T>.IsNaN(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> And(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo & b.Lo, a.Hi & b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Or(Vector256x2<T> a, Vector256x2<T> b) => Pair(a.Lo | b.Lo, a.Hi | b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256x2<T> mask) => Vector256.ExtractMostSignificantBits(mask.Lo | mask.Hi) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Select(Vector256x2<T> mask, Vector256x2<T> a, Vector256x2<T> b) => Pair(Simd256<T>.Select(mask.Lo, a.Lo, b.Lo), Simd256<T>.Select(mask.Hi, a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> SelectBySign(Vector256x2<T> x, Vector256x2<T> ifNegative, Vector256x2<T> otherwise) => Pair(Simd256<T>.SelectBySign(x.Lo, ifNegative.Lo, otherwise.Lo), Simd256<T>.SelectBySign(x.Hi, ifNegative.Hi, otherwise.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256x2<T> Pow2OfShifted(Vector256x2<T> shifted) => Pair(Simd256<T>.Pow2OfShifted(shifted.Lo), Simd256<T>.Pow2OfShifted(shifted.Hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256x2<T> SplitMantissa(Vector256x2<T> x, out Vector256x2<T> exponent)
    {
        var lo = Simd256<T>.SplitMantissa(x.Lo, out var exponentLo);
        var hi = Simd256<T>.SplitMantissa(x.Hi, out var exponentHi);
        exponent = Pair(exponentLo, exponentHi);
        return Pair(lo, hi);
    }

    /// <summary>Index of the first lane whose mask is set (Lo's lanes first), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector256x2<T> mask)
    {
        int lo = Simd256<T>.FirstSetLane(mask.Lo);
        if (lo >= 0) return lo;
        int hi = Simd256<T>.FirstSetLane(mask.Hi);
        return hi < 0 ? -1 : Vector256<T>.Count + hi;
    }
}
