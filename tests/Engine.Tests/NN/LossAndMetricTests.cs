using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>Losses and metrics against their formulas on small hand-made batches.</summary>
public class LossAndMetricTests
{
    private static Tensor T(double[] values, params int[] shape) => Tensor.FromArray(values, new Shape(shape));

    [Fact]
    public void CrossEntropiesAgreeFromProbabilitiesAndFromLogits()
    {
        var logits = T([1.0, 2.0, 0.5, -1.0, 0.0, 3.0], 2, 3);
        var labels = Tensor.FromArray(new[] { 1, 2 });
        var p = logits.Softmax(-1);
        double expected = -(Math.Log(p[0, 1].Item<double>()) + Math.Log(p[1, 2].Item<double>())) / 2;
        Assert.Equal(expected, Loss.SparseCategoricalCrossentropy.Compute(p, labels).Item<double>(), 10);
        Assert.Equal(expected, new SparseCategoricalCrossentropy(fromLogits: true).Compute(logits, labels).Item<double>(), 10);
        var oneHot = labels.OneHot(3, DType.Float64);
        Assert.Equal(expected, Loss.CategoricalCrossentropy.Compute(p, oneHot).Item<double>(), 10);
        Assert.Equal(expected, new CategoricalCrossentropy(fromLogits: true).Compute(logits, oneHot).Item<double>(), 10);
    }

    [Fact]
    public void RegressionLossesFollowTheirFormulas()
    {
        var prediction = T([0.5, 2.0, -1.0, 4.0], 4, 1);
        var target = T([0.0, 2.5, 1.0, 0.0], 4); // [N] against [N, 1], as Keras allows
        Assert.Equal((0.25 + 0.25 + 4 + 16) / 4, Loss.MeanSquaredError.Compute(prediction, target).Item<double>(), 12);
        Assert.Equal((0.5 + 0.5 + 2 + 4) / 4, Loss.MeanAbsoluteError.Compute(prediction, target).Item<double>(), 12);
        // Huber(1): ½e² for |e| ≤ 1, |e| − ½ beyond.
        Assert.Equal((0.125 + 0.125 + 1.5 + 3.5) / 4, Loss.Huber.Compute(prediction, target).Item<double>(), 12);
        var probabilities = T([0.9, 0.2], 2);
        var labels = T([1.0, 0.0], 2);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.8)) / 2, Loss.BinaryCrossentropy.Compute(probabilities, labels).Item<double>(), 10);
        var kl = Loss.KLDivergence.Compute(T([0.5, 0.5], 1, 2), T([0.25, 0.75], 1, 2)).Item<double>();
        Assert.Equal(0.25 * Math.Log(0.5) + 0.75 * Math.Log(1.5), kl, 10);
    }

    [Fact]
    public void AccuracyPicksItsKindFromTheShapes()
    {
        var scores = T([0.1, 0.7, 0.2, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6], 3, 3);
        var sparse = Metric.Accuracy;
        sparse.Update(Tensor.FromArray(new[] { 1, 0, 0 }), scores);
        Assert.Equal(2.0 / 3, sparse.Result(), 12);
        sparse.Update(Tensor.FromArray(new[] { 1, 0, 2 }), scores); // aggregates over batches
        Assert.Equal(5.0 / 6, sparse.Result(), 12);
        var categorical = Metric.Accuracy;
        categorical.Update(Tensor.FromArray(new[] { 1, 1, 2 }).OneHot(3, DType.Float64), scores);
        Assert.Equal(2.0 / 3, categorical.Result(), 12);
        var binary = Metric.Accuracy;
        binary.Update(T([1, 0, 1, 0], 4, 1), T([0.7, 0.4, 0.2, 0.6], 4, 1));
        Assert.Equal(0.5, binary.Result(), 12);
        binary.Reset();
        Assert.Equal(0, binary.Result());
    }

    [Fact]
    public void PrecisionRecallAndAuc()
    {
        var target = T([1, 1, 1, 0, 0, 0, 0, 1], 8);
        var scores = T([0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.4, 0.7], 8);
        var precision = Metric.Precision; precision.Update(target, scores);
        var recall = Metric.Recall; recall.Update(target, scores);
        Assert.Equal(3.0 / 4, precision.Result(), 12); // predicted positive: .9 .8 .6 .7 → 3 true
        Assert.Equal(3.0 / 4, recall.Result(), 12);    // positives: .9 .8 .3 .7 → 3 found
        var auc = Metric.AUC; auc.Update(target, scores);
        // Exact ROC AUC: pairs (positive > negative) / 16 = (4 + 4 + 1 + 4 … ) computed directly.
        var pos = new[] { 0.9, 0.8, 0.3, 0.7 }; var neg = new[] { 0.6, 0.2, 0.1, 0.4 };
        double exact = pos.Sum(p => neg.Count(n => p > n)) / 16.0;
        Assert.Equal(exact, auc.Result(), 2);
        var mse = Metric.MeanSquaredError; mse.Update(T([1, 2], 2), T([1.5, 1], 2));
        Assert.Equal((0.25 + 1) / 2, mse.Result(), 12);
    }
}
