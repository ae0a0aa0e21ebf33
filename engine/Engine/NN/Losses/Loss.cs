using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A training objective: the mean over the batch of a per-sample loss between predictions and targets
/// (Keras's "sum over batch size"), built on the fused, stable losses of <see cref="Losses"/>. The static
/// members make new instances with Keras's defaults.
/// </summary>
public abstract class Loss
{
    /// <summary>The Keras name ("sparse_categorical_crossentropy").</summary>
    public abstract string Name { get; }

    /// <summary>The mean loss of a batch, recorded for gradients.</summary>
    /// <param name="prediction">The model's output.</param>
    /// <param name="target">The targets.</param>
    public abstract Tensor Compute(Tensor prediction, Tensor target);

    /// <summary>
    /// The same loss taken from the pre-activation output, when the model's last activation is the one this loss
    /// can absorb (softmax for cross-entropy, sigmoid for binary cross-entropy); null otherwise. Models use it
    /// to train on logits — exact and stable — while <c>Predict</c> still returns probabilities.
    /// </summary>
    /// <param name="activation">The model's last activation.</param>
    public virtual Loss? FromLogitsOf(Activation activation) => null;

    /// <summary>Cross-entropy with int32 class labels [N] against class scores [N, classes].</summary>
    public static Loss SparseCategoricalCrossentropy => new SparseCategoricalCrossentropy();

    /// <summary>Cross-entropy with one-hot (or probability) targets [N, classes].</summary>
    public static Loss CategoricalCrossentropy => new CategoricalCrossentropy();

    /// <summary>Binary cross-entropy with 0/1 (or probability) targets.</summary>
    public static Loss BinaryCrossentropy => new BinaryCrossentropy();

    /// <summary>Mean squared error.</summary>
    public static Loss MeanSquaredError => new MeanSquaredError();

    /// <summary>Mean absolute error.</summary>
    public static Loss MeanAbsoluteError => new MeanAbsoluteError();

    /// <summary>Huber loss with delta 1.</summary>
    public static Loss Huber => new Huber();

    /// <summary>Kullback–Leibler divergence of the predicted from the target distribution.</summary>
    public static Loss KLDivergence => new KLDivergence();

    /// <summary>Keras's clipping of probabilities before a log.</summary>
    internal const double Epsilon = 1e-7;

    /// <summary>Targets of shape [N] against predictions [N, 1] are compared as [N, 1] (Keras squeezes the same way).</summary>
    internal static Tensor MatchTarget(Tensor prediction, Tensor target, string loss)
    {
        if (target.DType != prediction.DType && target.DType != DType.Int32) target = target.To(prediction.DType);
        if (target.DType == DType.Int32) target = target.To(prediction.DType);
        if (target.Shape.Equals(prediction.Shape)) return target;
        if (target.NumElements == prediction.NumElements && target.Rank + 1 == prediction.Rank && prediction.Shape[-1] == 1)
            return target.Reshape(prediction.Shape.AsSpan().ToArray());
        throw new ArgumentException($"{loss}: targets {target.Shape} do not match predictions {prediction.Shape}.");
    }
}

/// <summary>Cross-entropy from int32 labels; <paramref name="fromLogits"/> when the output has no softmax.</summary>
/// <param name="fromLogits">Whether predictions are unnormalised scores.</param>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target)
    {
        if (target.DType != DType.Int32) target = target.To(DType.Int32);
        if (target.Rank == prediction.Rank && target.Shape[-1] == 1) target = target.Squeeze(-1);
        if (FromLogits) return Losses.CrossEntropy(prediction, target);
        var logProbabilities = prediction.Clamp(Epsilon, 1 - Epsilon).Log();
        return -logProbabilities.TakeAlongAxis(target.Unsqueeze(-1), -1).Mean();
    }

    /// <inheritdoc/>
    public override Loss? FromLogitsOf(Activation activation) =>
        !FromLogits && activation.Function == "softmax" ? new SparseCategoricalCrossentropy(fromLogits: true) : null;
}

/// <summary>Cross-entropy from one-hot or probability targets.</summary>
/// <param name="fromLogits">Whether predictions are unnormalised scores.</param>
public sealed class CategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target)
    {
        target = MatchTarget(prediction, target, "CategoricalCrossentropy");
        if (FromLogits) return Losses.CrossEntropy(prediction, target);
        // Keras normalises the probabilities to sum to one before the clipped log.
        var p = prediction / prediction.Sum(-1, keepDims: true);
        return -(target * p.Clamp(Epsilon, 1 - Epsilon).Log()).Sum(-1).Mean();
    }

    /// <inheritdoc/>
    public override Loss? FromLogitsOf(Activation activation) =>
        !FromLogits && activation.Function == "softmax" ? new CategoricalCrossentropy(fromLogits: true) : null;
}

/// <summary>Binary cross-entropy, averaged over every output; <paramref name="fromLogits"/> when the output has no sigmoid.</summary>
/// <param name="fromLogits">Whether predictions are unnormalised scores.</param>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target)
    {
        target = MatchTarget(prediction, target, "BinaryCrossentropy");
        return FromLogits
            ? Losses.BinaryCrossEntropyWithLogits(prediction, target)
            : Losses.BinaryCrossEntropy(prediction.Clamp(Epsilon, 1 - Epsilon), target);
    }

    /// <inheritdoc/>
    public override Loss? FromLogitsOf(Activation activation) =>
        !FromLogits && activation.Function == "sigmoid" ? new BinaryCrossentropy(fromLogits: true) : null;
}

/// <summary>mean((prediction − target)²).</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target) =>
        Losses.MeanSquaredError(prediction, MatchTarget(prediction, target, "MeanSquaredError"));
}

/// <summary>mean(|prediction − target|).</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target) =>
        (prediction - MatchTarget(prediction, target, "MeanAbsoluteError")).Abs().Mean();
}

/// <summary>Huber loss: ½e² for |e| ≤ delta, delta·(|e| − ½delta) beyond, averaged.</summary>
/// <param name="delta">Where the loss turns from quadratic to linear.</param>
public sealed class Huber(double delta = 1.0) : Loss
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; } = delta > 0 ? delta : throw new ArgumentOutOfRangeException(nameof(delta), delta, "Huber: delta must be positive.");

    /// <inheritdoc/>
    public override string Name => "huber";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target)
    {
        var error = (prediction - MatchTarget(prediction, target, "Huber")).Abs();
        var quadratic = error.Minimum(Delta);
        return (quadratic.Square() * 0.5 + (error - quadratic) * Delta).Mean();
    }
}

/// <summary>Σ target·log(target / prediction) per sample (both clipped to [1e-7, 1]), averaged over the batch.</summary>
public sealed class KLDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target)
    {
        var t = MatchTarget(prediction, target, "KLDivergence").Clamp(Epsilon, 1);
        var p = prediction.Clamp(Epsilon, 1);
        return (t * (t.Log() - p.Log())).Sum(-1).Mean();
    }
}
