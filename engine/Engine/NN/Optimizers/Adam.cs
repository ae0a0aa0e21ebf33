using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Adam with optional amsgrad and L2 weight decay, with PyTorch's formulas: g ← g + λ·p;
/// m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
/// (amsgrad uses the running maximum of v). State: "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq".
/// </summary>
/// <remarks>
/// ε defaults to Keras' 1e-7 (PyTorch uses 1e-8). ε is added after the bias correction of √v, as PyTorch does;
/// Keras adds it before, which differs only while √v is comparable to ε.
/// </remarks>
public class Adam : Optimizer
{
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr.</param>
    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0 (Keras' default 1e-7).</param>
    /// <param name="amsgrad">Use the running maximum of the second moment.</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient.</param>
    /// <param name="schedule">A learning-rate schedule replacing <paramref name="learningRate"/>, or null.</param>
    /// <param name="parameters">The parameters, or null to <see cref="Optimizer.Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names the optimizer and the parameter.</exception>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false,
        double weightDecay = 0, ILearningRateSchedule? schedule = null, IEnumerable<Tensor>? parameters = null)
        : this("Adam", false, learningRate, beta1, beta2, epsilon, amsgrad, weightDecay, schedule, parameters)
    {
    }

    /// <summary>Creates Adam or, with <paramref name="decoupled"/>, AdamW.</summary>
    private protected Adam(string name, bool decoupled, double learningRate, double beta1, double beta2, double epsilon, bool amsgrad,
        double weightDecay, ILearningRateSchedule? schedule, IEnumerable<Tensor>? parameters)
        : base(name, learningRate, schedule, weightDecay, parameters)
    {
        _decoupled = decoupled;
        Beta1 = CheckUnitInterval(beta1, nameof(beta1));
        Beta2 = CheckUnitInterval(beta2, nameof(beta2));
        Epsilon = CheckPositive(epsilon, nameof(epsilon));
        Amsgrad = amsgrad;
    }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the running maximum of the second moment is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Tensor param, Tensor grad, long step)
    {
        var m = Slot(index, "exp_avg");
        var v = Slot(index, "exp_avg_sq");
        var vMax = Amsgrad ? Slot(index, "max_exp_avg_sq") : null;
        var update = new AdamUpdate(LearningRate, Beta1, Beta2, Epsilon, WeightDecay, _decoupled, step);
        BackendOf(param).AdamStep(param, grad, m, v, vMax, update);
    }
}
