using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// <see cref="CounterHash"/> on a vector of 64-bit counters, and the store of the 2·<see cref="Pairs"/> mask elements
/// their hashes decide, for <see cref="BernoulliMask"/>'s vector paths.
/// </summary>
/// <typeparam name="TV">The vector of 64-bit words.</typeparam>
internal unsafe interface IRandomLanes<TV> where TV : struct
{
    /// <summary>Counters (64-bit lanes) per vector; each decides two elements.</summary>
    static abstract int Pairs { get; }

    /// <summary>The pre-mix words key + (c + 1)·γ of counters firstCounter, firstCounter + 1, ….</summary>
    static abstract TV Start(ulong key, long firstCounter);

    /// <summary>Pairs·γ: what moves every lane on by one vector of counters.</summary>
    static abstract TV Step { get; }

    /// <summary>Lane-wise wrapping addition.</summary>
    static abstract TV Add(TV a, TV b);

    /// <summary><see cref="CounterHash.Mix"/> on each lane.</summary>
    static abstract TV Mix(TV z);

    /// <summary>Writes 2·Pairs elements: scale where the element's 32 bits are ≥ threshold, else 0.</summary>
    static abstract void Store<T>(T* mask, TV hashes, uint threshold, T scale) where T : unmanaged;
}

/// <summary>The 256-bit lanes (the Avx2 path).</summary>
internal readonly unsafe struct RandomLanes256 : IRandomLanes<Vector256<ulong>>
{
    public static int Pairs => Vector256<ulong>.Count;

    public static Vector256<ulong> Start(ulong key, long firstCounter) =>
        Vector256.Create(key) + (Vector256.Create((ulong)firstCounter + 1) + Vector256<ulong>.Indices) * Vector256.Create(CounterHash.Gamma);

    public static Vector256<ulong> Step => Vector256.Create(CounterHash.Gamma * (ulong)Vector256<ulong>.Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Add(Vector256<ulong> a, Vector256<ulong> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Mix(Vector256<ulong> z)
    {
        z = (z ^ (z >>> 30)) * Vector256.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >>> 27)) * Vector256.Create(0x94D049BB133111EBUL);
        return z ^ (z >>> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* mask, Vector256<ulong> hashes, uint threshold, T scale) where T : unmanaged
    {
        // Little-endian: the 32-bit halves in memory order are elements 2c, 2c + 1, 2c + 2, ….
        var kept = Vector256.GreaterThanOrEqual(hashes.AsUInt32(), Vector256.Create(threshold));
        if (typeof(T) == typeof(float))
        {
            (kept.AsSingle() & Vector256.Create(Unsafe.As<T, float>(ref scale))).Store((float*)mask);
            return;
        }
        var wide = Vector256.Create(Unsafe.As<T, double>(ref scale));
        var (low, high) = Vector256.Widen(kept.AsInt32());
        (low.AsDouble() & wide).Store((double*)mask);
        (high.AsDouble() & wide).Store((double*)mask + Vector256<double>.Count);
    }
}

/// <summary>The 512-bit lanes (the Avx512 path).</summary>
internal readonly unsafe struct RandomLanes512 : IRandomLanes<Vector512<ulong>>
{
    public static int Pairs => Vector512<ulong>.Count;

    public static Vector512<ulong> Start(ulong key, long firstCounter) =>
        Vector512.Create(key) + (Vector512.Create((ulong)firstCounter + 1) + Vector512<ulong>.Indices) * Vector512.Create(CounterHash.Gamma);

    public static Vector512<ulong> Step => Vector512.Create(CounterHash.Gamma * (ulong)Vector512<ulong>.Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Add(Vector512<ulong> a, Vector512<ulong> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ (z >>> 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >>> 27)) * Vector512.Create(0x94D049BB133111EBUL);
        return z ^ (z >>> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* mask, Vector512<ulong> hashes, uint threshold, T scale) where T : unmanaged
    {
        var kept = Vector512.GreaterThanOrEqual(hashes.AsUInt32(), Vector512.Create(threshold));
        if (typeof(T) == typeof(float))
        {
            (kept.AsSingle() & Vector512.Create(Unsafe.As<T, float>(ref scale))).Store((float*)mask);
            return;
        }
        var wide = Vector512.Create(Unsafe.As<T, double>(ref scale));
        var (low, high) = Vector512.Widen(kept.AsInt32());
        (low.AsDouble() & wide).Store((double*)mask);
        (high.AsDouble() & wide).Store((double*)mask + Vector512<double>.Count);
    }
}
