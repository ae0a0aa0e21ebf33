using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.Tensors;

/// <summary>Generator.State / Generator.Restore: a restored generator repeats the sequence exactly, spare normal included.</summary>
public sealed class GeneratorStateTests
{
    /// <summary>A mixed run of draws (bits, uniforms, normals) as bit patterns, so the spare normal is exercised too.</summary>
    private static ulong[] Draws(Generator g, int count) => Enumerable.Range(0, count).Select(i => (i % 3) switch
    {
        0 => g.NextUInt64(),
        1 => (ulong)BitConverter.DoubleToInt64Bits(g.NextDouble()),
        _ => (ulong)BitConverter.DoubleToInt64Bits(g.NextNormal()),
    }).ToArray();

    [Fact]
    public void Restoring_a_state_repeats_the_draws_that_followed_it_in_the_same_and_in_another_generator()
    {
        var cases = from warmUp in Gen.Choose(0, 50)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (warmUp, seed: (ulong)seed * 0x9E3779B97F4A7C15);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (warmUp, seed) = c;
            var g = new Generator(seed);
            Draws(g, warmUp);
            var state = g.State;
            var expected = Draws(g, 40);
            var other = new Generator(seed + 1);
            other.Restore(state);
            g.Restore(state);
            return expected.SequenceEqual(Draws(g, 40)) && expected.SequenceEqual(Draws(other, 40));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_spare_normal_left_by_NextNormal_is_part_of_the_state()
    {
        var g = new Generator(17);
        double first = g.NextNormal();
        var state = g.State;
        Assert.NotNull(state.SpareNormal);
        double spare = g.NextNormal();
        Assert.Equal(spare, state.SpareNormal);
        Assert.NotEqual(first, spare);

        var restored = new Generator(3);
        restored.NextNormal(); // leaves a spare of its own, which Restore must replace
        restored.Restore(state);
        Assert.Equal(BitConverter.DoubleToInt64Bits(spare), BitConverter.DoubleToInt64Bits(restored.NextNormal()));
        Assert.Equal(g.NextNormal(), restored.NextNormal());
    }

    [Fact]
    public void Without_its_spare_normal_a_state_gives_other_normals()
    {
        // The control for the test above: a state that dropped the spare would draw a fresh pair instead.
        var g = new Generator(17);
        g.NextNormal();
        var state = g.State;
        var withoutSpare = new Generator(0);
        withoutSpare.Restore(state with { SpareNormal = null });
        Assert.NotEqual(g.NextNormal(), withoutSpare.NextNormal());
        Assert.Null(new Generator(5).State.SpareNormal);
    }

    [Fact]
    public void Reseeding_after_a_restore_starts_the_seeds_sequence_again()
    {
        var g = new Generator(8);
        g.NextNormal();
        var state = g.State;
        g.Reseed(8);
        Assert.Equal(new Generator(8).State, g.State);
        g.Restore(state);
        Assert.Equal(state, g.State);
    }

    [Fact]
    public void A_state_no_generator_can_be_in_is_refused_with_a_clear_message()
    {
        var g = new Generator(1);
        var e = Assert.Throws<ArgumentException>(() => g.Restore(new GeneratorState(0, 0, 0, 0, null)));
        Assert.Contains("Generator.Restore", e.Message);
        Assert.Contains("(0, 0, 0, 0)", e.Message);
        e = Assert.Throws<ArgumentException>(() => g.Restore(g.State with { SpareNormal = double.NaN }));
        Assert.Contains("NaN", e.Message);
        Assert.Equal(new Generator(1).NextUInt64(), g.NextUInt64()); // a refused state changes nothing
    }
}
