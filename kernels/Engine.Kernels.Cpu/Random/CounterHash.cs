using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// A counter-based random source: the bits of element i under a 64-bit key are a pure function of (key, i), so any
/// device, thread split or vector width draws the same bits. Counter c = i / 2 is hashed with SplitMix64's
/// finaliser applied to key + (c + 1)·γ (the stream SplitMix64 walks, which passes BigCrush); the hash's low 32 bits
/// belong to element 2c and its high 32 bits to element 2c + 1, so one hash serves two elements.
/// </summary>
/// <remarks>Plain integer arithmetic only: ILGPU compiles these methods into the GPU kernels unchanged.</remarks>
public static class CounterHash
{
    /// <summary>γ, the odd 64-bit increment of SplitMix64 (2^64 divided by the golden ratio).</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15;

    /// <summary>SplitMix64's finaliser (Stafford's variant 13): a bijection of 64-bit words with full avalanche.</summary>
    /// <param name="z">The word to mix.</param>
    /// <returns>The mixed word.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>The 64 random bits of counter <paramref name="counter"/> (elements 2·counter and 2·counter + 1).</summary>
    /// <param name="key">The stream's key.</param>
    /// <param name="counter">The counter, ≥ 0.</param>
    /// <returns>Mix(key + (counter + 1)·γ).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Pair(ulong key, long counter) => Mix(key + ((ulong)counter + 1) * Gamma);

    /// <summary>The 32 random bits of element <paramref name="index"/> under <paramref name="key"/>.</summary>
    /// <param name="key">The stream's key.</param>
    /// <param name="index">The element's index, ≥ 0.</param>
    /// <returns>The low half of the pair's hash for an even index, the high half for an odd one.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bits(ulong key, long index) => (uint)(Pair(key, index >> 1) >> (int)((index & 1) << 5));
}
