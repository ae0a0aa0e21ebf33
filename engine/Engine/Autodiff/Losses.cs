using Engine.Tensors;

namespace Engine.Autodiff;

/// <summary>How a loss combines its per-sample (or per-element) values.</summary>
public enum Reduction
{
    /// <summary>The mean over all values (the default).</summary>
    Mean,
    /// <summary>The sum of all values.</summary>
    Sum,
    /// <summary>No reduction: one value per sample (or element).</summary>
    None,
}

/// <summary>
/// Fused, numerically stable losses. Each computes its per-sample values from log-space quantities and
/// records one fused gradient rule (for cross-entropy: softmax(x) − target), so training never
/// differentiates through exp/log chains. Classes lie on the last axis.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Softmax cross-entropy from unnormalised <paramref name="logits"/> (classes on the last axis).
    /// <paramref name="target"/> is either int32 class labels with the logits' shape minus the last axis,
    /// or floating class probabilities (e.g. one-hot) with the logits' shape.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit; the message names both tensors.</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Tensor.RequireFloating(logits.DType, "CrossEntropy");
        if (logits.Rank == 0) throw new ArgumentException("CrossEntropy: logits need a class axis, got a scalar.");
        return Reduce(target.DType == DType.Int32 ? CrossEntropyWithLabels(logits, target) : CrossEntropyWithProbabilities(logits, target), reduction);
    }

    /// <summary>
    /// Binary cross-entropy from <paramref name="logits"/>: softplus(x) − x·t, stable for any x
    /// (PyTorch's <c>binary_cross_entropy_with_logits</c>). <paramref name="target"/> has the same shape.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(logits, target, "BinaryCrossEntropyWithLogits");
        Tensor loss;
        using (Autograd.NoGrad()) loss = logits.Softplus() - logits * target;
        loss = Autograd.Record(loss, "BinaryCrossEntropyWithLogits", logits, target, static (n, g) =>
        {
            Tensor x = n.Input(0), t = n.Input(1);
            return [n.NeedsGrad(0) ? g * (x.Sigmoid() - t) : null, n.NeedsGrad(1) ? -(g * x) : null];
        });
        return Reduce(loss, reduction);
    }

    /// <summary>
    /// Binary cross-entropy from <paramref name="probabilities"/> in [0, 1]: −(t·log p + (1 − t)·log(1 − p)),
    /// with each log clamped at −100 as PyTorch does, so p = 0 or 1 gives a finite loss.
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(probabilities, target, "BinaryCrossEntropy");
        Tensor loss, logP, log1mP;
        using (Autograd.NoGrad())
        {
            logP = probabilities.Log().Maximum(-100);
            log1mP = (1.0 - probabilities).Log().Maximum(-100);
            loss = -(target * logP + (1.0 - target) * log1mP);
        }
        loss = Autograd.Record(loss, "BinaryCrossEntropy", probabilities, target, (logP, log1mP), static (n, g) =>
        {
            Tensor p = n.Input(0), t = n.Input(1);
            var (logP, log1mP) = n.State<(Tensor, Tensor)>();
            return
            [
                n.NeedsGrad(0) ? g * (p - t) / (p * (1.0 - p)).Maximum(1e-12) : null,
                n.NeedsGrad(1) ? g * (log1mP - logP) : null,
            ];
        });
        return Reduce(loss, reduction);
    }

    /// <summary>Squared error (prediction − target)², averaged by default; the shapes broadcast.</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Tensor diff, loss;
        using (Autograd.NoGrad())
        {
            diff = prediction - target;
            loss = diff.Square();
        }
        loss = Autograd.Record(loss, "MeanSquaredError", prediction, target, diff, static (n, g) =>
        {
            var twice = g * n.State<Tensor>() * 2.0;
            return [n.NeedsGrad(0) ? twice.SumTo(n.Input(0).Shape) : null, n.NeedsGrad(1) ? (-twice).SumTo(n.Input(1).Shape) : null];
        });
        return Reduce(loss, reduction);
    }

    private static Tensor CrossEntropyWithLabels(Tensor logits, Tensor labels)
    {
        var expected = logits.Shape.Take(logits.Rank - 1).ToArray();
        if (!labels.Shape.Equals(new Shape(expected)))
            throw new ArgumentException($"CrossEntropy: labels {labels.Describe()} must have the logits' shape without the class axis, {new Shape(expected)} (logits {logits.Shape}).");
        Tensor logProbs, loss, at;
        using (Autograd.NoGrad())
        {
            logProbs = logits.LogSoftmax(-1);
            at = labels.Unsqueeze(-1);
            loss = -logProbs.TakeAlongAxis(at, -1).Squeeze(-1);
        }
        return Autograd.Record(loss, "CrossEntropy", logits, (logProbs, at), static (n, g) =>
        {
            // softmax(x) − onehot(label), times the upstream gradient of each sample.
            var (logProbs, at) = n.State<(Tensor, Tensor)>();
            var minusOne = Tensor.Full(at.Shape, -1, logProbs.DType, logProbs.Device);
            return [logProbs.Exp().ScatterAdd(-1, at, minusOne) * g.Unsqueeze(-1)];
        });
    }

    private static Tensor CrossEntropyWithProbabilities(Tensor logits, Tensor target)
    {
        CheckSameShape(logits, target, "CrossEntropy");
        Tensor logProbs, loss;
        using (Autograd.NoGrad())
        {
            logProbs = logits.LogSoftmax(-1);
            loss = -(target * logProbs).Sum(-1);
        }
        return Autograd.Record(loss, "CrossEntropy", logits, target, logProbs, static (n, g) =>
        {
            var logProbs = n.State<Tensor>();
            var t = n.Input(1);
            var gs = g.Unsqueeze(-1);
            return
            [
                n.NeedsGrad(0) ? (logProbs.Exp() * t.Sum(-1, keepDims: true) - t) * gs : null,
                n.NeedsGrad(1) ? -(logProbs * gs) : null,
            ];
        });
    }

    private static Tensor Reduce(Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => loss,
    };

    private static void CheckSameShape(Tensor input, Tensor target, string op)
    {
        Tensor.RequireFloating(input.DType, op);
        if (!input.Shape.Equals(target.Shape) || input.DType != target.DType)
            throw new ArgumentException($"{op}: target {target.Describe()} must match the input {input.Describe()}.");
    }
}
