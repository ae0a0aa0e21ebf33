using System.Globalization;

namespace Engine.NN;

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
