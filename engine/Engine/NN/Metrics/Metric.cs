using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A quantity tracked during training and evaluation, as in Keras: <see cref="Update"/> per batch accumulates
/// state, <see cref="Result"/> reads the aggregate so far (the epoch value), <see cref="Reset"/> starts over.
/// The static members make new instances. The built-in metrics keep their state on the batches' device and update
/// it with tensor ops, so training on a GPU never waits for the device in <see cref="Update"/>; only
/// <see cref="Result"/> brings the value to the host.
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

    /// <summary>
    /// The value as it is now, possibly still on the device, for <c>Fit</c> to read later together with the loss and
    /// the other metrics. A metric of unknown kind is read here (it may keep its state anywhere).
    /// </summary>
    internal virtual MetricReading Reading() => MetricReading.Known(Result());

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
    private readonly DeviceMean _correct = new();

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
        _correct.Add(correct.To(DType.Float64).Sum(), correct.NumElements);
    }

    private static AccuracyKind Resolve(Tensor target, Tensor prediction)
    {
        bool multiClass = prediction.Rank >= 2 && prediction.Shape[-1] > 1;
        if (!multiClass) return AccuracyKind.Binary;
        return target.Shape.Equals(prediction.Shape) ? AccuracyKind.Categorical : AccuracyKind.Sparse;
    }

    /// <inheritdoc/>
    public override double Result() => Reading().Read();

    internal override MetricReading Reading() => _correct.Reading();

    /// <inheritdoc/>
    public override void Reset() => _correct.Reset();
}

/// <summary>Counts of a binary classifier at threshold 0.5.</summary>
/// <remarks>The counts stay on the batches' device; reading any of them brings all three to the host at once.</remarks>
public abstract class ConfusionMetric : Metric
{
    private readonly DeviceCounters _counts = new(3);
    private (Tensor? State, double[] Values) _read = (null, new double[3]);

    /// <summary>True positives so far.</summary>
    protected long TruePositives => (long)Counts()[0];

    /// <summary>False positives so far.</summary>
    protected long FalsePositives => (long)Counts()[1];

    /// <summary>False negatives so far.</summary>
    protected long FalseNegatives => (long)Counts()[2];

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var actual = AsPredictionShape(target, prediction).Gt(0.5).To(DType.Float64);
        var predicted = prediction.Gt(0.5).To(DType.Float64);
        var outcomes = Tensor.Stack([actual * predicted, (1 - actual) * predicted, actual * (1 - predicted)]);
        _counts.Add(outcomes.Reshape(3, -1).Sum(1));
    }

    /// <inheritdoc/>
    public override void Reset() => _counts.Reset();

    /// <summary>The reading of (TP, FP, FN) as they are now, valued by <paramref name="result"/>.</summary>
    private protected MetricReading CountsReading(Func<double, double, double, double> result) =>
        _counts.Reading(c => result(c[0], c[1], c[2]));

    /// <summary>TP, FP, FN on the host, read once per new state however many of them are asked for.</summary>
    private double[] Counts()
    {
        var current = _counts.Current;
        if (!ReferenceEquals(_read.State, current)) _read = (current, current?.ToArray<double>() ?? new double[3]);
        return _read.Values;
    }
}

/// <summary>TP / (TP + FP); 0 when nothing was predicted positive.</summary>
public sealed class Precision : ConfusionMetric
{
    /// <inheritdoc/>
    public override string Name => "precision";

    /// <inheritdoc/>
    public override double Result() => Reading().Read();

    internal override MetricReading Reading() => CountsReading(static (tp, fp, _) => tp + fp == 0 ? 0 : tp / (tp + fp));
}

/// <summary>TP / (TP + FN); 0 when there were no positives.</summary>
public sealed class Recall : ConfusionMetric
{
    /// <inheritdoc/>
    public override string Name => "recall";

    /// <inheritdoc/>
    public override double Result() => Reading().Read();

    internal override MetricReading Reading() => CountsReading(static (tp, _, fn) => tp + fn == 0 ? 0 : tp / (tp + fn));
}

/// <summary>
/// ROC AUC from confusion counts at evenly spaced thresholds (Keras's default of 200, interpolated with the
/// trapezoidal rule), so it aggregates over batches without keeping every prediction. The counts stay on the
/// batches' device.
/// </summary>
/// <param name="thresholds">Number of thresholds.</param>
public sealed class Auc(int thresholds = 200) : Metric
{
    // Counters: positives above each threshold, negatives above each threshold, positives, negatives.
    private readonly DeviceCounters _counts = new(2 * thresholds + 2);
    private Tensor? _thresholdIndices;

    /// <inheritdoc/>
    public override string Name => "auc";

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var positive = AsPredictionShape(target, prediction).To(DType.Float64).Reshape(-1, 1).Gt(0.5).To(DType.Float64);
        var scores = prediction.To(DType.Float64).Reshape(-1, 1);
        // Threshold k / (n − 1) lies below a score s exactly when s · (n − 1) > k.
        var above = (scores * (thresholds - 1)).Gt(ThresholdIndices(prediction.Device)).To(DType.Float64);
        var sides = Tensor.Concat([positive, 1 - positive], 1);
        var perThreshold = (above.Unsqueeze(1) * sides.Unsqueeze(2)).Sum(0).Reshape(-1);
        _counts.Add(Tensor.Concat([perThreshold, sides.Sum(0)]));
    }

    /// <summary>0, 1, …, n − 1 as float64 [1, n] on <paramref name="device"/>, made once per device.</summary>
    private Tensor ThresholdIndices(Device device)
    {
        if (_thresholdIndices?.Device.Equals(device) != true)
            _thresholdIndices = Tensor.Arange(thresholds, DType.Float64, device).Reshape(1, thresholds);
        return _thresholdIndices;
    }

    /// <inheritdoc/>
    public override double Result() => Reading().Read();

    internal override MetricReading Reading() => _counts.Reading(Area);

    private double Area(double[] counts)
    {
        double positives = counts[2 * thresholds], negatives = counts[2 * thresholds + 1];
        if (positives == 0 || negatives == 0) return 0;
        double area = 0;
        for (int k = 0; k + 1 < thresholds; k++)
        {
            double tpr0 = counts[k] / positives, fpr0 = counts[thresholds + k] / negatives;
            double tpr1 = counts[k + 1] / positives, fpr1 = counts[thresholds + k + 1] / negatives;
            area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
        }
        return area;
    }

    /// <inheritdoc/>
    public override void Reset() => _counts.Reset();
}

/// <summary>Mean absolute or squared error over every output of every batch.</summary>
/// <param name="squared">Squared rather than absolute.</param>
public sealed class MeanError(bool squared) : Metric
{
    private readonly DeviceMean _error = new();

    /// <inheritdoc/>
    public override string Name => squared ? "mean_squared_error" : "mean_absolute_error";

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        using var scope = Autograd.NoGrad();
        var error = prediction - AsPredictionShape(target, prediction);
        _error.Add((squared ? error.Square() : error.Abs()).Sum(), error.NumElements);
    }

    /// <inheritdoc/>
    public override double Result() => Reading().Read();

    internal override MetricReading Reading() => _error.Reading();

    /// <inheritdoc/>
    public override void Reset() => _error.Reset();
}
