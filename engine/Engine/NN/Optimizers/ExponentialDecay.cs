namespace Engine.NN;

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
