using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Kernels;

/// <summary>
/// Statistics of the counter-based dropout stream over 10^6 draws: the kept fraction of <see cref="BernoulliMask"/>
/// is within 4σ of 1 − p, and a chi-square on 16×16 cells of the top 4 bits finds no dependence between
/// neighbouring elements (inside one hash and across two) or between the same element under related keys
/// (consecutive generator draws, keys one apart, keys differing in the top bit). Seeds are fixed, so the outcome is too.
/// </summary>
public unsafe class BernoulliMaskStatisticsTests
{
    private const int Draws = 1_000_000;

    // 255 degrees of freedom: mean 255, σ = √510 ≈ 22.6; 5σ above the mean is a 1-in-a-million fluke for a fair stream.
    private const double ChiSquareBound = 255 + 5 * 22.6;

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Kept_fraction_is_within_four_sigma_of_one_minus_p(double p)
    {
        ulong key = new Generator(11).NextUInt64();
        var mask = new float[Draws];
        fixed (float* m = mask) BernoulliMask.Fill(m, Draws, key, p, 1 / (1 - p));
        long kept = mask.Count(v => v != 0);
        double sigma = Math.Sqrt(Draws * p * (1 - p));
        Assert.True(Math.Abs(kept - Draws * (1 - p)) <= 4 * sigma, $"p={p}: kept {kept} of {Draws}, expected {Draws * (1 - p)} ± {4 * sigma}");
        Assert.All(mask, v => Assert.True(v == 0 || v == (float)(1 / (1 - p))));
    }

    [Fact]
    public void Neighbouring_mask_elements_are_kept_independently()
    {
        const double p = 0.3;
        var mask = new double[Draws + 1];
        fixed (double* m = mask) BernoulliMask.Fill(m, mask.Length, 0x5EED5EED, p, 1 / (1 - p));
        long both = 0;
        for (int i = 0; i < Draws; i++)
            if (mask[i] != 0 && mask[i + 1] != 0) both++;
        double q = (1 - p) * (1 - p), sigma = Math.Sqrt(Draws * q * (1 - q));
        Assert.True(Math.Abs(both - Draws * q) <= 4 * sigma, $"both kept {both}, expected {Draws * q} ± {4 * sigma}");
    }

    [Fact]
    public void Halves_of_one_hash_are_independent() =>
        AssertIndependent("element 2j with 2j + 1", j => CounterHash.Bits(77, 2 * j), j => CounterHash.Bits(77, 2 * j + 1));

    [Fact]
    public void Elements_across_two_hashes_are_independent() =>
        AssertIndependent("element 2j + 1 with 2j + 2", j => CounterHash.Bits(77, 2 * j + 1), j => CounterHash.Bits(77, 2 * j + 2));

    [Fact]
    public void Consecutive_generator_keys_give_independent_masks()
    {
        var generator = new Generator(2024);
        ulong first = generator.NextUInt64(), second = generator.NextUInt64();
        AssertIndependent("consecutive keys", j => CounterHash.Bits(first, j), j => CounterHash.Bits(second, j));
    }

    [Fact]
    public void Keys_one_apart_give_independent_masks() =>
        AssertIndependent("keys k and k + 1", j => CounterHash.Bits(1000, j), j => CounterHash.Bits(1001, j));

    [Fact]
    public void Keys_differing_in_the_top_bit_give_independent_masks() =>
        AssertIndependent("keys k and k ^ 2^63", j => CounterHash.Bits(1000, j), j => CounterHash.Bits(1000 ^ (1UL << 63), j));

    /// <summary>Chi-square of the 16×16 table of (top 4 bits of a(j), top 4 bits of b(j)) against uniform cells.</summary>
    private static void AssertIndependent(string what, Func<long, uint> a, Func<long, uint> b)
    {
        var cells = new long[256];
        for (long j = 0; j < Draws; j++) cells[(a(j) >> 28) * 16 + (b(j) >> 28)]++;
        double expected = Draws / 256.0;
        double chiSquare = cells.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare <= ChiSquareBound, $"{what}: chi-square {chiSquare:F1} over 255 degrees of freedom exceeds {ChiSquareBound}");
    }
}
