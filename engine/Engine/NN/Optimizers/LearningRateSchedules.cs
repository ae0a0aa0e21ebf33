using System.Globalization;

namespace Engine.NN;

/// <summary>A learning rate as a function of the optimizer's step count (0 before the first step).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate to use for the step taken when <paramref name="step"/> steps are done.</summary>
    double At(long step);
}

/// <summary>Argument checks shared by the schedules; messages name the schedule and the parameter.</summary>
internal static class ScheduleArguments
{
    public static double NonNegative(double value, string schedule, string parameter) =>
        double.IsFinite(value) && value >= 0 ? value : throw Error(value, schedule, parameter, "finite and non-negative");

    public static double Positive(double value, string schedule, string parameter) =>
        double.IsFinite(value) && value > 0 ? value : throw Error(value, schedule, parameter, "finite and positive");

    public static long Positive(long value, string schedule, string parameter) =>
        value > 0 ? value : throw Error(value, schedule, parameter, "positive");

    public static long NonNegative(long value, string schedule, string parameter) =>
        value >= 0 ? value : throw Error(value, schedule, parameter, "non-negative");

    public static long Step(long step, string schedule) =>
        step >= 0 ? step : throw Error(step, schedule, "step", "non-negative");

    private static ArgumentOutOfRangeException Error(double value, string schedule, string parameter, string rule) =>
        new(parameter, value, $"{schedule}: {parameter} must be {rule}, got {value.ToString("R", CultureInfo.InvariantCulture)}.");
}

/// <summary>lr = initial · γ^⌊step / stepSize⌋ (PyTorch's StepLR).</summary>
public sealed class StepDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate of the first steps, ≥ 0.</param>
    /// <param name="stepSize">Steps between decays, &gt; 0.</param>
    /// <param name="gamma">The factor applied at each decay, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public StepDecay(double initialLearningRate, long stepSize, double gamma = 0.1)
    {
        InitialLearningRate = ScheduleArguments.NonNegative(initialLearningRate, "StepDecay", nameof(initialLearningRate));
        StepSize = ScheduleArguments.Positive(stepSize, "StepDecay", nameof(stepSize));
        Gamma = ScheduleArguments.NonNegative(gamma, "StepDecay", nameof(gamma));
    }

    /// <summary>The starting rate.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public double At(long step) => InitialLearningRate * Math.Pow(Gamma, ScheduleArguments.Step(step, "StepDecay") / StepSize);
}

/// <summary>
/// lr = initial · rate^(step / decaySteps), with the exponent floored when <see cref="Staircase"/>
/// (Keras' ExponentialDecay).
/// </summary>
public sealed class ExponentialDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0, ≥ 0.</param>
    /// <param name="decaySteps">Steps per factor of <paramref name="decayRate"/>, &gt; 0.</param>
    /// <param name="decayRate">The factor per <paramref name="decaySteps"/>, ≥ 0.</param>
    /// <param name="staircase">Decay in whole steps of <paramref name="decaySteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        InitialLearningRate = ScheduleArguments.NonNegative(initialLearningRate, "ExponentialDecay", nameof(initialLearningRate));
        DecaySteps = ScheduleArguments.Positive(decaySteps, "ExponentialDecay", nameof(decaySteps));
        DecayRate = ScheduleArguments.NonNegative(decayRate, "ExponentialDecay", nameof(decayRate));
        Staircase = staircase;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps per factor of <see cref="DecayRate"/>.</summary>
    public long DecaySteps { get; }

    /// <summary>The decay factor.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the exponent is floored.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public double At(long step)
    {
        double exponent = (double)ScheduleArguments.Step(step, "ExponentialDecay") / DecaySteps;
        if (Staircase) exponent = Math.Floor(exponent);
        return InitialLearningRate * Math.Pow(DecayRate, exponent);
    }
}

/// <summary>
/// Keras' CosineDecay: without a warm-up target, lr = initial · ((1 − α)·½(1 + cos(π·min(step, D)/D)) + α).
/// With <see cref="WarmupTarget"/>, the rate first rises linearly from initial to the target over
/// <see cref="WarmupSteps"/> steps, then decays from the target the same way over the next D steps.
/// </summary>
public sealed class CosineDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0, ≥ 0.</param>
    /// <param name="decaySteps">D, the length of the cosine decay, &gt; 0.</param>
    /// <param name="alpha">α in [0, 1]: the final rate as a fraction of the rate decayed from.</param>
    /// <param name="warmupSteps">Steps of linear warm-up, ≥ 0 (used only with a target).</param>
    /// <param name="warmupTarget">The rate reached after the warm-up, or null for no warm-up.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0, long warmupSteps = 0, double? warmupTarget = null)
    {
        InitialLearningRate = ScheduleArguments.NonNegative(initialLearningRate, "CosineDecay", nameof(initialLearningRate));
        DecaySteps = ScheduleArguments.Positive(decaySteps, "CosineDecay", nameof(decaySteps));
        if (!(alpha is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"CosineDecay: alpha must be in [0, 1], got {alpha.ToString("R", CultureInfo.InvariantCulture)}.");
        Alpha = alpha;
        WarmupSteps = ScheduleArguments.NonNegative(warmupSteps, "CosineDecay", nameof(warmupSteps));
        if (warmupTarget is { } target) ScheduleArguments.NonNegative(target, "CosineDecay", nameof(warmupTarget));
        WarmupTarget = warmupTarget;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>D.</summary>
    public long DecaySteps { get; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>Steps of linear warm-up.</summary>
    public long WarmupSteps { get; }

    /// <summary>The rate after the warm-up, or null.</summary>
    public double? WarmupTarget { get; }

    /// <inheritdoc/>
    public double At(long step)
    {
        ScheduleArguments.Step(step, "CosineDecay");
        if (WarmupTarget is not { } target) return Decay(Math.Min(step, DecaySteps), InitialLearningRate);
        step = Math.Min(step, DecaySteps + WarmupSteps);
        if (step < WarmupSteps) return InitialLearningRate + (target - InitialLearningRate) * step / WarmupSteps;
        return Decay(step - WarmupSteps, target);
    }

    private double Decay(long step, double from)
    {
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * step / DecaySteps));
        return from * ((1 - Alpha) * cosine + Alpha);
    }
}

/// <summary>
/// A linear warm-up in front of another schedule: for step &lt; W the rate rises linearly from
/// <see cref="StartLearningRate"/> to inner.At(0), lr = start + (inner.At(0) − start)·step/W; from step W on
/// it is inner.At(step − W), so the inner schedule starts when the warm-up ends.
/// </summary>
public sealed class WarmUp : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="inner">The schedule that follows the warm-up.</param>
    /// <param name="warmupSteps">W, the warm-up length, &gt; 0.</param>
    /// <param name="startLearningRate">The rate at step 0, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public WarmUp(ILearningRateSchedule inner, long warmupSteps, double startLearningRate = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        WarmupSteps = ScheduleArguments.Positive(warmupSteps, "WarmUp", nameof(warmupSteps));
        StartLearningRate = ScheduleArguments.NonNegative(startLearningRate, "WarmUp", nameof(startLearningRate));
    }

    /// <summary>The schedule after the warm-up.</summary>
    public ILearningRateSchedule Inner { get; }

    /// <summary>W.</summary>
    public long WarmupSteps { get; }

    /// <summary>The rate at step 0.</summary>
    public double StartLearningRate { get; }

    /// <inheritdoc/>
    public double At(long step)
    {
        ScheduleArguments.Step(step, "WarmUp");
        if (step >= WarmupSteps) return Inner.At(step - WarmupSteps);
        return StartLearningRate + (Inner.At(0) - StartLearningRate) * step / WarmupSteps;
    }
}
