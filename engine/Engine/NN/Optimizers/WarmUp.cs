namespace Engine.NN;

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
