using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Stochastic gradient descent with optional momentum (with dampening), Nesterov momentum and L2 weight decay,
/// with PyTorch's formulas: g ← g + λ·p; b ← g on the first step, then b ← μ·b + (1 − τ)·g;
/// g ← g + μ·b (Nesterov) or g ← b; p ← p − lr·g. State: "momentum_buffer" (only when μ &gt; 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr (Keras' default 0.01).</param>
    /// <param name="momentum">μ ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum (needs μ &gt; 0 and no dampening).</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient.</param>
    /// <param name="dampening">τ in [0, 1), PyTorch's dampening of the momentum.</param>
    /// <param name="schedule">A learning-rate schedule replacing <paramref name="learningRate"/>, or null.</param>
    /// <param name="parameters">The parameters, or null to <see cref="Optimizer.Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names the optimizer and the parameter.</exception>
    public Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false, double weightDecay = 0, double dampening = 0,
        ILearningRateSchedule? schedule = null, IEnumerable<Tensor>? parameters = null)
        : base("Sgd", learningRate, schedule, weightDecay, parameters)
    {
        Momentum = CheckNonNegative(momentum, nameof(momentum));
        Dampening = CheckUnitInterval(dampening, nameof(dampening));
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentOutOfRangeException(nameof(nesterov), nesterov, $"Sgd: nesterov needs momentum > 0 and dampening 0, got momentum {momentum} and dampening {dampening}.");
        Nesterov = nesterov;
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>τ.</summary>
    public double Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Tensor param, Tensor grad, long step)
    {
        Tensor? buffer = null;
        bool first = false;
        if (Momentum != 0) buffer = Slot(index, "momentum_buffer", 0, out first);
        BackendOf(param).SgdStep(param, grad, buffer, new SgdUpdate(LearningRate, Momentum, Dampening, WeightDecay, Nesterov, first));
    }
}
