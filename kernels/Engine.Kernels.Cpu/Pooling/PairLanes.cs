using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The lane shuffles the stride-2 pooling and ×2 upsampling paths need beside <see cref="ISimd{TV,T}"/>:
/// splitting two vectors of consecutive elements into their even and odd elements, and doubling each
/// element of a vector. Kept here rather than in <see cref="ISimd{TV,T}"/>, since only these kernels use them.
/// </summary>
internal interface IPairLanes<TV> where TV : struct
{
    /// <summary>Elements 0, 2, 4, … of the 2·Count elements a ‖ b.</summary>
    static abstract TV Evens(TV a, TV b);
    /// <summary>Elements 1, 3, 5, … of the 2·Count elements a ‖ b.</summary>
    static abstract TV Odds(TV a, TV b);
    /// <summary>v0, v0, v1, v1, … : the first half of v with every element twice.</summary>
    static abstract TV DoubleLow(TV v);
    /// <summary>The second half of v with every element twice.</summary>
    static abstract TV DoubleHigh(TV v);
}

/// <summary><see cref="IPairLanes{TV}"/> on 256-bit vectors with AVX/AVX2 shuffles (taken only where AVX2 runs).</summary>
internal readonly struct PairLanes256<T> : IPairLanes<Vector256<T>> where T : unmanaged
{
    // vpermq order that gathers 64-bit chunks 0, 2, 1, 3: joins the per-128-bit-lane results of shufps/unpck.
    private const byte Chunks0213 = 0b11_01_10_00;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Evens(Vector256<T> a, Vector256<T> b)
    {
        if (typeof(T) == typeof(float))
            return Avx2.Permute4x64(Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).AsDouble(), Chunks0213).As<double, T>();
        return Avx2.Permute4x64(Avx.UnpackLow(a.AsDouble(), b.AsDouble()), Chunks0213).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Odds(Vector256<T> a, Vector256<T> b)
    {
        if (typeof(T) == typeof(float))
            return Avx2.Permute4x64(Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsDouble(), Chunks0213).As<double, T>();
        return Avx2.Permute4x64(Avx.UnpackHigh(a.AsDouble(), b.AsDouble()), Chunks0213).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> DoubleLow(Vector256<T> v)
    {
        if (typeof(T) == typeof(float))
            return Avx.Permute2x128(Avx.UnpackLow(v.AsSingle(), v.AsSingle()), Avx.UnpackHigh(v.AsSingle(), v.AsSingle()), 0x20).As<float, T>();
        return Avx2.Permute4x64(v.AsDouble(), 0b01_01_00_00).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> DoubleHigh(Vector256<T> v)
    {
        if (typeof(T) == typeof(float))
            return Avx.Permute2x128(Avx.UnpackLow(v.AsSingle(), v.AsSingle()), Avx.UnpackHigh(v.AsSingle(), v.AsSingle()), 0x31).As<float, T>();
        return Avx2.Permute4x64(v.AsDouble(), 0b11_11_10_10).As<double, T>();
    }
}

/// <summary><see cref="IPairLanes{TV}"/> on 512-bit vectors through the portable shuffles (emulated where AVX-512 is missing).</summary>
internal readonly struct PairLanes512<T> : IPairLanes<Vector512<T>> where T : unmanaged
{
    private static readonly Vector512<int> EvenSingles = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
    private static readonly Vector512<long> EvenDoubles = Vector512.Create(0L, 2, 4, 6, 0, 2, 4, 6);
    private static readonly Vector512<int> LowSingles = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector512<long> LowDoubles = Vector512.Create(0L, 0, 1, 1, 2, 2, 3, 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Evens(Vector512<T> a, Vector512<T> b) => Gather(a, b, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Odds(Vector512<T> a, Vector512<T> b) => Gather(a, b, 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> DoubleLow(Vector512<T> v) => Spread(v, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> DoubleHigh(Vector512<T> v) => Spread(v, Vector512<T>.Count / 2);

    /// <summary>Elements first, first + 2, … of a, then the same of b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Gather(Vector512<T> a, Vector512<T> b, int first)
    {
        if (typeof(T) == typeof(float))
        {
            var index = EvenSingles + Vector512.Create(first);
            return Vector512.Create(Vector512.Shuffle(a.AsSingle(), index).GetLower(), Vector512.Shuffle(b.AsSingle(), index).GetLower()).As<float, T>();
        }
        var indexD = EvenDoubles + Vector512.Create((long)first);
        return Vector512.Create(Vector512.Shuffle(a.AsDouble(), indexD).GetLower(), Vector512.Shuffle(b.AsDouble(), indexD).GetLower()).As<double, T>();
    }

    /// <summary>Elements from, from, from + 1, from + 1, … of v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Spread(Vector512<T> v, int from)
    {
        if (typeof(T) == typeof(float))
            return Vector512.Shuffle(v.AsSingle(), LowSingles + Vector512.Create(from)).As<float, T>();
        return Vector512.Shuffle(v.AsDouble(), LowDoubles + Vector512.Create((long)from)).As<double, T>();
    }
}
