namespace Engine.Tensors;

/// <summary>
/// A seeded, reproducible random number generator (xoshiro256** seeded through SplitMix64). The same
/// seed gives the same numbers on every machine and .NET version. Its full state can be read with
/// <see cref="State"/> and put back with <see cref="Restore"/>, to continue a sequence later (resumable training).
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator from a seed.</summary>
    public Generator(ulong seed) => Reseed(seed);

    /// <summary>The generator the creation functions use when none is given.</summary>
    public static Generator Default { get; } = new(0x5EED);

    /// <summary>Restarts the sequence from <paramref name="seed"/>.</summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _spareNormal = null;
    }

    /// <summary>
    /// The generator's full state, including the spare normal left by <see cref="NextNormal"/>: save it, and
    /// <see cref="Restore"/> it later (or into another generator) to continue the same sequence.
    /// </summary>
    public GeneratorState State => new(_s0, _s1, _s2, _s3, _spareNormal);

    /// <summary>Puts the generator back into a state read from <see cref="State"/>; the next numbers are those that followed it.</summary>
    /// <param name="state">A state read from <see cref="State"/>.</param>
    /// <exception cref="ArgumentException">All four words are zero (xoshiro256** would then give zeros forever), or the spare normal is not finite.</exception>
    public void Restore(GeneratorState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("Generator.Restore: the state words (0, 0, 0, 0) are not a reachable state; xoshiro256** would give zeros forever.", nameof(state));
        if (state.SpareNormal is double spare && !double.IsFinite(spare))
            throw new ArgumentException($"Generator.Restore: the spare normal {spare} is not finite.", nameof(state));
        (_s0, _s1, _s2, _s3, _spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
