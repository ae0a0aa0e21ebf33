namespace Engine.NN;

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
