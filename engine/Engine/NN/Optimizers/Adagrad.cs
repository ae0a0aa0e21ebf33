using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Adagrad with PyTorch's formulas: g ← g + λ·p; s ← s + g²; p ← p − lrₜ·g/(√s + ε) with
/// lrₜ = lr / (1 + (t − 1)·lr_decay). State: "sum", starting at the initial accumulator value.
/// </summary>
/// <remarks>Defaults are Keras' (initial accumulator 0.1, ε 1e-7).</remarks>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr.</param>
    /// <param name="initialAccumulator">The starting value of every accumulator, ≥ 0.</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="learningRateDecay">PyTorch's lr_decay ≥ 0.</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient.</param>
    /// <param name="schedule">A learning-rate schedule replacing <paramref name="learningRate"/>, or null.</param>
    /// <param name="parameters">The parameters, or null to <see cref="Optimizer.Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names the optimizer and the parameter.</exception>
    public Adagrad(double learningRate = 1e-3, double initialAccumulator = 0.1, double epsilon = 1e-7, double learningRateDecay = 0,
        double weightDecay = 0, ILearningRateSchedule? schedule = null, IEnumerable<Tensor>? parameters = null)
        : base("Adagrad", learningRate, schedule, weightDecay, parameters)
    {
        InitialAccumulator = CheckNonNegative(initialAccumulator, nameof(initialAccumulator));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
        LearningRateDecay = CheckNonNegative(learningRateDecay, nameof(learningRateDecay));
    }

    /// <summary>The accumulators' starting value.</summary>
    public double InitialAccumulator { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>PyTorch's lr_decay.</summary>
    public double LearningRateDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Tensor param, Tensor grad, long step)
    {
        var sum = Slot(index, "sum", InitialAccumulator);
        double rate = LearningRate / (1 + (step - 1) * LearningRateDecay);
        BackendOf(param).AdagradStep(param, grad, sum, new AdagradUpdate(rate, Epsilon, WeightDecay));
    }
}
