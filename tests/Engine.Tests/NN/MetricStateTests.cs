using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>The built-in metrics, whose counters now live on the batches' device, against host-side references.</summary>
public sealed class MetricStateTests
{
    /// <summary>
    /// AUC's device-side threshold counts equal the host loop it replaced, over several batches of odd sizes, with
    /// scores outside [0, 1] and exactly on thresholds, for several threshold counts; Reset starts over.
    /// </summary>
    [Theory]
    [InlineData(200, 1)]
    [InlineData(7, 2)]
    [InlineData(2, 3)]
    public void AucEqualsTheHostReference(int thresholds, ulong seed)
    {
        var generator = new Generator(seed);
        var auc = new Auc(thresholds);
        var reference = new AucReference(thresholds);
        for (int round = 0; round < 2; round++)
        {
            auc.Reset();
            reference = new AucReference(thresholds);
            foreach (int rows in new[] { 1, 13, 6 })
            {
                var scores = Tensor.Uniform(new Shape(rows, 1), -0.2, 1.2, DType.Float32, generator);
                var onThreshold = (Tensor.Rand(new Shape(rows, 1), DType.Float64, generator) * (thresholds - 1)).To(DType.Int32).To(DType.Float64) / (thresholds - 1);
                scores = Tensor.Where(Tensor.Rand(new Shape(rows, 1), DType.Float32, generator).Gt(0.5), onThreshold.To(DType.Float32), scores);
                var targets = Tensor.Rand(new Shape(rows), DType.Float32, generator).Gt(0.4).To(DType.Float32);
                auc.Update(targets, scores);
                reference.Update(targets.ToDoubles(), scores.ToDoubles());
            }
            Assert.Equal(reference.Result(), auc.Result(), 12);
        }
    }

    /// <summary>A user metric deriving from ConfusionMetric still reads the counts through its protected properties.</summary>
    [Fact]
    public void ConfusionCountsReachSubclasses()
    {
        var target = Tensor.FromArray(new float[] { 1, 1, 1, 0, 0, 0, 0, 1 });
        var scores = Tensor.FromArray(new float[] { 0.9f, 0.8f, 0.3f, 0.6f, 0.2f, 0.1f, 0.4f, 0.7f });
        var counts = new CountsMetric();
        counts.Update(target, scores);
        counts.Update(target[..3], scores[..3]);
        Assert.Equal((5, 1, 2), counts.Counts);
        Assert.Equal(5.0 / 8, counts.Result());
        counts.Reset();
        Assert.Equal((0, 0, 0), counts.Counts);
    }

    /// <summary>TP, FP, FN as a value: a ConfusionMetric written against the public API.</summary>
    private sealed class CountsMetric : ConfusionMetric
    {
        public override string Name => "counts";

        public (long, long, long) Counts => (TruePositives, FalsePositives, FalseNegatives);

        public override double Result() => (double)TruePositives / (TruePositives + FalsePositives + FalseNegatives);
    }

    /// <summary>The host-side AUC that the device counters replaced, kept as the oracle.</summary>
    private sealed class AucReference(int thresholds)
    {
        private readonly long[] _positivesAbove = new long[thresholds], _negativesAbove = new long[thresholds];
        private long _positives, _negatives;

        public void Update(double[] actual, double[] scores)
        {
            for (int i = 0; i < scores.Length; i++)
            {
                bool positive = actual[i] > 0.5;
                if (positive) _positives++; else _negatives++;
                int above = Math.Clamp((int)Math.Ceiling(scores[i] * (thresholds - 1)), 0, thresholds);
                for (int k = 0; k < above; k++)
                {
                    if (positive) _positivesAbove[k]++; else _negativesAbove[k]++;
                }
            }
        }

        public double Result()
        {
            if (_positives == 0 || _negatives == 0) return 0;
            double area = 0;
            for (int k = 0; k + 1 < thresholds; k++)
            {
                double tpr0 = (double)_positivesAbove[k] / _positives, fpr0 = (double)_negativesAbove[k] / _negatives;
                double tpr1 = (double)_positivesAbove[k + 1] / _positives, fpr1 = (double)_negativesAbove[k + 1] / _negatives;
                area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
            }
            return area;
        }
    }
}
