namespace Engine.NN;

/// <summary>A learning rate as a function of the optimizer's step count (0 before the first step).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate to use for the step taken when <paramref name="step"/> steps are done.</summary>
    double At(long step);
}
