using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>Two 512-bit vectors processed as one: the AVX-512 path's unit of work.</summary>
internal struct Vector512x2<T> where T : unmanaged
{
    public Vector512<T> Lo;
    public Vector512<T> Hi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512x2(Vector512<T> lo, Vector512<T> hi) { Lo = lo; Hi = hi; }
}

/// <summary>
/// <see cref="ISimd{TV,T}"/> on pairs of 512-bit vectors. Every step of a kernel is issued twice on
/// independent data, so latency-bound chains (Horner polynomials, divisions) overlap: the AVX-512 loop's ×2
/// unrolling without a second inlined copy of the kernel.
/// </summary>
internal readonly unsafe struct Simd512x2<T> : ISimd<Vector512x2<T>, T> where T : unmanaged
{
    private static Vector512x2<T> Pair(Vector512<T> lo, Vector512<T> hi) => new(lo, hi);

    public static int Count => 2 * Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Load(T* p) => Pair(Vector512.Load(p), Vector512.Load(p + Vector512<T>.Count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512x2<T> v) { v.Lo.Store(p); v.Hi.Store(p + Vector512<T>.Count); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Splat(T value) { var v = Vector512.Create(value); return Pair(v, v); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Add(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo + b.Lo, a.Hi + b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Sub(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo - b.Lo, a.Hi - b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Mul(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo * b.Lo, a.Hi * b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Div(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo / b.Lo, a.Hi / b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Fma(Vector512x2<T> a, Vector512x2<T> b, Vector512x2<T> c) => Pair(Simd512<T>.Fma(a.Lo, b.Lo, c.Lo), Simd512<T>.Fma(a.Hi, b.Hi, c.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> FmaSub(Vector512x2<T> a, Vector512x2<T> b, Vector512x2<T> c) => Pair(Simd512<T>.FmaSub(a.Lo, b.Lo, c.Lo), Simd512<T>.FmaSub(a.Hi, b.Hi, c.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Sqrt(Vector512x2<T> a) => Pair(Vector512.Sqrt(a.Lo), Vector512.Sqrt(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Abs(Vector512x2<T> a) => Pair(Vector512.Abs(a.Lo), Vector512.Abs(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Neg(Vector512x2<T> a) => Pair(-a.Lo, -a.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Max(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.Max(a.Lo, b.Lo), Vector512.Max(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Min(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.Min(a.Lo, b.Lo), Vector512.Min(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> MaxFast(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.MaxNative(a.Lo, b.Lo), Vector512.MaxNative(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> MinFast(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.MinNative(a.Lo, b.Lo), Vector512.MinNative(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Equal(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.Equals(a.Lo, b.Lo), Vector512.Equals(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> LessThan(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.LessThan(a.Lo, b.Lo), Vector512.LessThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> LessOrEqual(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.LessThanOrEqual(a.Lo, b.Lo), Vector512.LessThanOrEqual(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> GreaterThan(Vector512x2<T> a, Vector512x2<T> b) => Pair(Vector512.GreaterThan(a.Lo, b.Lo), Vector512.GreaterThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> IsNaN(Vector512x2<T> a) => Pair(Simd512<T>.IsNaN(a.Lo), Simd512<T>.IsNaN(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> And(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo & b.Lo, a.Hi & b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Or(Vector512x2<T> a, Vector512x2<T> b) => Pair(a.Lo | b.Lo, a.Hi | b.Hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512x2<T> mask) => Vector512.ExtractMostSignificantBits(mask.Lo | mask.Hi) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Select(Vector512x2<T> mask, Vector512x2<T> a, Vector512x2<T> b) => Pair(Simd512<T>.Select(mask.Lo, a.Lo, b.Lo), Simd512<T>.Select(mask.Hi, a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> SelectBySign(Vector512x2<T> x, Vector512x2<T> ifNegative, Vector512x2<T> otherwise) => Pair(Simd512<T>.SelectBySign(x.Lo, ifNegative.Lo, otherwise.Lo), Simd512<T>.SelectBySign(x.Hi, ifNegative.Hi, otherwise.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512x2<T> Pow2OfShifted(Vector512x2<T> shifted) => Pair(Simd512<T>.Pow2OfShifted(shifted.Lo), Simd512<T>.Pow2OfShifted(shifted.Hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512x2<T> SplitMantissa(Vector512x2<T> x, out Vector512x2<T> exponent)
    {
        var lo = Simd512<T>.SplitMantissa(x.Lo, out var exponentLo);
        var hi = Simd512<T>.SplitMantissa(x.Hi, out var exponentHi);
        exponent = Pair(exponentLo, exponentHi);
        return Pair(lo, hi);
    }

    /// <summary>Index of the first lane whose mask is set (Lo's lanes first), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector512x2<T> mask)
    {
        int lo = Simd512<T>.FirstSetLane(mask.Lo);
        if (lo >= 0) return lo;
        int hi = Simd512<T>.FirstSetLane(mask.Hi);
        return hi < 0 ? -1 : Vector512<T>.Count + hi;
    }
}
