using Engine.NN;

namespace Engine.Tests.NN;

/// <summary>Schedule values at chosen steps against their formulas, and argument errors.</summary>
public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(9, 0.1)]
    [InlineData(10, 0.05)]
    [InlineData(25, 0.025)]
    public void StepDecay_halves_every_ten_steps(long step, double expected) =>
        Assert.Equal(expected, new StepDecay(0.1, 10, 0.5).At(step), 15);

    [Theory]
    [InlineData(0, false)]
    [InlineData(50, false)]
    [InlineData(150, false)]
    [InlineData(150, true)]
    [InlineData(99, true)]
    public void ExponentialDecay_follows_keras(long step, bool staircase)
    {
        double exponent = staircase ? Math.Floor(step / 100.0) : step / 100.0;
        Assert.Equal(0.2 * Math.Pow(0.96, exponent), new ExponentialDecay(0.2, 100, 0.96, staircase).At(step), 15);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(50, 0.55)]    // ½(1 + cos(π/2)) = ½ → 0.9·½ + 0.1
    [InlineData(100, 0.1)]
    [InlineData(500, 0.1)]    // held at α after the decay
    public void CosineDecay_without_warmup_follows_keras(long step, double factor) =>
        Assert.Equal(0.4 * factor, new CosineDecay(0.4, 100, alpha: 0.1).At(step), 14);

    [Fact]
    public void CosineDecay_with_warmup_rises_linearly_to_the_target_then_decays_from_it()
    {
        var schedule = new CosineDecay(0.0, decaySteps: 100, warmupSteps: 10, warmupTarget: 1.0);
        Assert.Equal(0.0, schedule.At(0), 15);
        Assert.Equal(0.3, schedule.At(3), 15);
        Assert.Equal(1.0, schedule.At(10), 15);
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI * 0.25)), schedule.At(35), 14);
        Assert.Equal(0.0, schedule.At(110), 15);
        Assert.Equal(0.0, schedule.At(1000), 15);
    }

    [Fact]
    public void WarmUp_ramps_to_the_inner_schedule_then_hands_over()
    {
        var inner = new ExponentialDecay(0.1, 10, 0.5);
        var schedule = new WarmUp(inner, warmupSteps: 4, startLearningRate: 0.02);
        Assert.Equal(0.02, schedule.At(0), 15);
        Assert.Equal(0.02 + 0.08 * 3 / 4, schedule.At(3), 15);
        Assert.Equal(0.1, schedule.At(4), 15);
        Assert.Equal(0.05, schedule.At(14), 15);
    }

    [Fact]
    public void Bad_arguments_throw_naming_the_schedule_and_the_parameter()
    {
        void Check(Action create, string schedule, string parameter)
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(create);
            Assert.Equal(parameter, ex.ParamName);
            Assert.StartsWith(schedule + ":", ex.Message);
        }
        Check(() => _ = new StepDecay(0.1, 0), "StepDecay", "stepSize");
        Check(() => _ = new StepDecay(-0.1, 5), "StepDecay", "initialLearningRate");
        Check(() => _ = new ExponentialDecay(0.1, 10, -0.5), "ExponentialDecay", "decayRate");
        Check(() => _ = new CosineDecay(0.1, 10, alpha: 2), "CosineDecay", "alpha");
        Check(() => _ = new CosineDecay(0.1, 10, warmupSteps: -1), "CosineDecay", "warmupSteps");
        Check(() => _ = new WarmUp(new StepDecay(0.1, 5), 0), "WarmUp", "warmupSteps");
        Check(() => new StepDecay(0.1, 5).At(-1), "StepDecay", "step");
    }
}
