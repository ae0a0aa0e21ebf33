using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// RMSprop with optional momentum and centering, with PyTorch's formulas (ρ is PyTorch's alpha):
/// g ← g + λ·p; v ← ρ·v + (1 − ρ)·g²; centered: ḡ ← ρ·ḡ + (1 − ρ)·g, d = √(v − ḡ²) + ε, else d = √v + ε;
/// with momentum b ← μ·b + g/d, p ← p − lr·b, else p ← p − lr·g/d.
/// State: "square_avg", "grad_avg" (centered) and "momentum_buffer" (μ &gt; 0).
/// </summary>
/// <remarks>ε defaults to Keras' 1e-7 and is added outside the root, as in PyTorch.</remarks>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr.</param>
    /// <param name="rho">ρ in [0, 1), the decay of the mean square.</param>
    /// <param name="momentum">μ ≥ 0.</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient.</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient.</param>
    /// <param name="schedule">A learning-rate schedule replacing <paramref name="learningRate"/>, or null.</param>
    /// <param name="parameters">The parameters, or null to <see cref="Optimizer.Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names the optimizer and the parameter.</exception>
    public RmsProp(double learningRate = 1e-3, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false,
        double weightDecay = 0, ILearningRateSchedule? schedule = null, IEnumerable<Tensor>? parameters = null)
        : base("RmsProp", learningRate, schedule, weightDecay, parameters)
    {
        Rho = CheckUnitInterval(rho, nameof(rho));
        Momentum = CheckNonNegative(momentum, nameof(momentum));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
        Centered = centered;
    }

    /// <summary>ρ.</summary>
    public double Rho { get; }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the gradient's running mean is subtracted.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Tensor param, Tensor grad, long step)
    {
        var square = Slot(index, "square_avg");
        var mean = Centered ? Slot(index, "grad_avg") : null;
        var buffer = Momentum != 0 ? Slot(index, "momentum_buffer") : null;
        var update = new RmsPropUpdate(LearningRate, Rho, Epsilon, WeightDecay, Momentum, Centered);
        BackendOf(param).RmsPropStep(param, grad, square, mean, buffer, update);
    }
}
