using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// AdamW: Adam with decoupled weight decay, p ← p·(1 − lr·λ) before the Adam update (PyTorch's formula).
/// The default λ is Keras' 0.004 (PyTorch uses 0.01); ε defaults to Keras' 1e-7.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr.</param>
    /// <param name="weightDecay">λ, the decoupled decay rate (Keras' default 0.004).</param>
    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment.</param>
    /// <param name="schedule">A learning-rate schedule replacing <paramref name="learningRate"/>, or null.</param>
    /// <param name="parameters">The parameters, or null to <see cref="Optimizer.Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names the optimizer and the parameter.</exception>
    public AdamW(double learningRate = 1e-3, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
        bool amsgrad = false, ILearningRateSchedule? schedule = null, IEnumerable<Tensor>? parameters = null)
        : base("AdamW", true, learningRate, beta1, beta2, epsilon, amsgrad, weightDecay, schedule, parameters)
    {
    }
}
