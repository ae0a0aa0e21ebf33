using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A quantity tracked during training and evaluation, as in Keras: <see cref="Update"/> per batch accumulates
/// state, <see cref="Result"/> reads the aggregate so far (the epoch value), <see cref="Reset"/> starts over.
/// The static members make new instances.
/// </summary>
public abstract class Metric
{
    /// <summary>The name in logs and <see cref="History"/> ("accuracy"; "val_accuracy" for validation).</summary>
    public abstract string Name { get; }

    /// <summary>Adds one batch.</summary>
    /// <param name="target">The targets.</param>
    /// <param name="prediction">The model's (activated) output.</param>
    public abstract void Update(Tensor target, Tensor prediction);

    /// <summary>The value over every batch since the last reset.</summary>
    public abstract double Result();

    /// <summary>Forgets every batch.</summary>
    public abstract void Reset();

    /// <summary>Accuracy that picks its kind from the shapes, as Keras's "accuracy" does: sparse (int labels), categorical (one-hot) or binary.</summary>
    public static Metric Accuracy => new Accuracy();

    /// <summary>Share of outputs on the right side of 0.5.</summary>
    public static Metric BinaryAccuracy => new Accuracy(AccuracyKind.Binary, "binary_accuracy");

    /// <summary>Share of samples whose arg-max matches the one-hot target's.</summary>
    public static Metric CategoricalAccuracy => new Accuracy(AccuracyKind.Categorical, "categorical_accuracy");

    /// <summary>Share of samples whose arg-max equals the int label.</summary>
    public static Metric SparseCategoricalAccuracy => new Accuracy(AccuracyKind.Sparse, "sparse_categorical_accuracy");

    /// <summary>True positives / predicted positives at threshold 0.5.</summary>
    public static Metric Precision => new Precision();

    /// <summary>True positives / actual positives at threshold 0.5.</summary>
    public static Metric Recall => new Recall();

    /// <summary>Area under the ROC curve, from 200 thresholds as Keras computes it.</summary>
    public static Metric AUC => new Auc();

    /// <summary>Mean absolute error over every output.</summary>
    public static Metric MeanAbsoluteError => new MeanError(squared: false);

    /// <summary>Mean squared error over every output.</summary>
    public static Metric MeanSquaredError => new MeanError(squared: true);

    /// <summary>The targets as floats of the prediction's shape (a [N] target against [N, 1] predictions is reshaped).</summary>
    internal static Tensor AsPredictionShape(Tensor target, Tensor prediction) =>
        Loss.MatchTarget(prediction, target, "Metric");
}

/// <summary>Which accuracy <see cref="Accuracy"/> computes.</summary>
public enum AccuracyKind
{
    /// <summary>Chosen from the shapes on the first batch.</summary>
    Auto,
    /// <summary>Threshold 0.5.</summary>
    Binary,
    /// <summary>Arg-max against one-hot targets.</summary>
    Categorical,
    /// <summary>Arg-max against int labels.</summary>
    Sparse,
}

/// <summary>The share of correct predictions.</summary>
/// <param name="kind">Which accuracy; Auto picks from the shapes.</param>
/// <param name="name">The name in logs.</param>
public sealed class Accuracy(AccuracyKind kind = AccuracyKind.Auto, string name = "accuracy") : Metric
{
    private long _correct, _total;

    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>The kind in use (resolved on the first batch when Auto).</summary>
    public AccuracyKind Kind { get; private set; } = kind;

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        if (Kind == AccuracyKind.Auto) Kind = Resolve(target, prediction);
        Tensor correct = Kind switch
        {
            AccuracyKind.Sparse => prediction.ArgMax(-1).Eq(target.Rank == prediction.Rank ? target.Squeeze(-1).To(DType.Int32) : target.To(DType.Int32)),
            AccuracyKind.Categorical => prediction.ArgMax(-1).Eq(target.ArgMax(-1)),
            _ => prediction.Gt(0.5).Eq(AsPredictionShape(target, prediction).Gt(0.5)),
        };
        _correct += (long)correct.To(DType.Int32).Sum().Item<int>();
        _total += correct.NumElements;
    }

    private static AccuracyKind Resolve(Tensor target, Tensor prediction)
    {
        bool multiClass = prediction.Rank >= 2 && prediction.Shape[-1] > 1;
        if (!multiClass) return AccuracyKind.Binary;
        return target.Shape.Equals(prediction.Shape) ? AccuracyKind.Categorical : AccuracyKind.Sparse;
    }

    /// <inheritdoc/>
    public override double Result() => _total == 0 ? 0 : (double)_correct / _total;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _total) = (0, 0);
}

/// <summary>Counts of a binary classifier at threshold 0.5.</summary>
public abstract class ConfusionMetric : Metric
{
    /// <summary>True positives so far.</summary>
    protected long TruePositives { get; private set; }

    /// <summary>False positives so far.</summary>
    protected long FalsePositives { get; private set; }

    /// <summary>False negatives so far.</summary>
    protected long FalseNegatives { get; private set; }

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var actual = AsPredictionShape(target, prediction).Gt(0.5).To(DType.Int32);
        var predicted = prediction.Gt(0.5).To(DType.Int32);
        TruePositives += (actual * predicted).Sum().Item<int>();
        FalsePositives += ((1 - actual) * predicted).Sum().Item<int>();
        FalseNegatives += (actual * (1 - predicted)).Sum().Item<int>();
    }

    /// <inheritdoc/>
    public override void Reset() => (TruePositives, FalsePositives, FalseNegatives) = (0, 0, 0);
}

/// <summary>TP / (TP + FP); 0 when nothing was predicted positive.</summary>
public sealed class Precision : ConfusionMetric
{
    /// <inheritdoc/>
    public override string Name => "precision";

    /// <inheritdoc/>
    public override double Result() => TruePositives + FalsePositives == 0 ? 0 : (double)TruePositives / (TruePositives + FalsePositives);
}

/// <summary>TP / (TP + FN); 0 when there were no positives.</summary>
public sealed class Recall : ConfusionMetric
{
    /// <inheritdoc/>
    public override string Name => "recall";

    /// <inheritdoc/>
    public override double Result() => TruePositives + FalseNegatives == 0 ? 0 : (double)TruePositives / (TruePositives + FalseNegatives);
}

/// <summary>
/// ROC AUC from confusion counts at evenly spaced thresholds (Keras's default of 200, interpolated with the
/// trapezoidal rule), so it aggregates over batches without keeping every prediction.
/// </summary>
/// <param name="thresholds">Number of thresholds.</param>
public sealed class Auc(int thresholds = 200) : Metric
{
    private readonly long[] _positivesAbove = new long[thresholds], _negativesAbove = new long[thresholds];
    private long _positives, _negatives;

    /// <inheritdoc/>
    public override string Name => "auc";

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var actual = AsPredictionShape(target, prediction).To(DType.Float64).ToArray<double>();
        var scores = prediction.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < scores.Length; i++)
        {
            bool positive = actual[i] > 0.5;
            if (positive) _positives++; else _negatives++;
            // Threshold t = k / (n − 1): the score counts as positive at every threshold below it.
            int above = Math.Clamp((int)Math.Ceiling(scores[i] * (_positivesAbove.Length - 1)), 0, _positivesAbove.Length);
            for (int k = 0; k < above; k++)
            {
                if (positive) _positivesAbove[k]++; else _negativesAbove[k]++;
            }
        }
    }

    /// <inheritdoc/>
    public override double Result()
    {
        if (_positives == 0 || _negatives == 0) return 0;
        double area = 0;
        for (int k = 0; k + 1 < _positivesAbove.Length; k++)
        {
            double tpr0 = (double)_positivesAbove[k] / _positives, fpr0 = (double)_negativesAbove[k] / _negatives;
            double tpr1 = (double)_positivesAbove[k + 1] / _positives, fpr1 = (double)_negativesAbove[k + 1] / _negatives;
            area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
        }
        return area;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_positivesAbove); Array.Clear(_negativesAbove);
        _positives = _negatives = 0;
    }
}

/// <summary>Mean absolute or squared error over every output of every batch.</summary>
/// <param name="squared">Squared rather than absolute.</param>
public sealed class MeanError(bool squared) : Metric
{
    private double _sum;
    private long _count;

    /// <inheritdoc/>
    public override string Name => squared ? "mean_squared_error" : "mean_absolute_error";

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var error = prediction - AsPredictionShape(target, prediction);
        _sum += (squared ? error.Square() : error.Abs()).Sum().To(DType.Float64).Item<double>();
        _count += error.NumElements;
    }

    /// <inheritdoc/>
    public override double Result() => _count == 0 ? 0 : _sum / _count;

    /// <inheritdoc/>
    public override void Reset() => (_sum, _count) = (0, 0);
}
