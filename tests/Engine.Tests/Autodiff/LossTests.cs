using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.Tests.Autodiff;

/// <summary>The fused losses: values against direct formulas, gradients against central differences.</summary>
public class LossTests
{
    private static readonly Reduction[] AllReductions = [Reduction.Mean, Reduction.Sum, Reduction.None];

    private static Tensor Logits(ulong seed, params int[] dims) => Tensor.Uniform(new Shape(dims), -3, 3, DType.Float64, new Generator(seed));

    [Fact]
    public void CrossEntropyWithLabelsMatchesTheFormula()
    {
        var logits = Logits(1, 4, 5);
        var labels = Tensor.FromArray(new[] { 0, 4, 2, 2 });
        var x = (double[,])logits.ToNDArray();
        var expected = new double[4];
        for (int i = 0; i < 4; i++)
        {
            double lse = Math.Log(Enumerable.Range(0, 5).Sum(j => Math.Exp(x[i, j])));
            expected[i] = lse - x[i, new[] { 0, 4, 2, 2 }[i]];
        }
        AssertClose(expected, Losses.CrossEntropy(logits, labels, Reduction.None).ToArray<double>());
        Assert.Equal(expected.Average(), Losses.CrossEntropy(logits, labels).Item(), 12);
        Assert.Equal(expected.Sum(), Losses.CrossEntropy(logits, labels, Reduction.Sum).Item(), 12);
        // One-hot probabilities give the same loss.
        AssertClose(expected, Losses.CrossEntropy(logits, labels.OneHot(5, DType.Float64), Reduction.None).ToArray<double>());
    }

    [Fact]
    public void CrossEntropyIsStableForHugeLogits()
    {
        var logits = Tensor.FromArray(new float[,] { { 1000, 0, -1000 }, { -1e4f, 1e4f, 0 } }, requiresGrad: true);
        var loss = Losses.CrossEntropy(logits, Tensor.FromArray(new[] { 0, 0 }));
        Assert.Equal(1e4, loss.Item(), 1); // (0 + 2e4) / 2
        loss.Backward();
        Assert.All(logits.Grad!.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void CrossEntropyGradients()
    {
        var labels = Tensor.FromArray(new[] { 1, 0, 3 });
        var probabilities = Logits(7, 3, 4).Softmax(-1);
        foreach (var r in AllReductions)
        {
            GradCheck.Assert(t => Losses.CrossEntropy(t[0], labels, r), [Logits(2, 3, 4)]);
            GradCheck.Assert(t => Losses.CrossEntropy(t[0], t[1], r), [Logits(3, 3, 4), probabilities]);
        }
        // A batch of sequences: classes on the last axis, labels with the other axes.
        GradCheck.Assert(t => Losses.CrossEntropy(t[0], Tensor.FromArray(new[] { 0, 1, 2, 2, 1, 0 }, new Shape(2, 3))), [Logits(4, 2, 3, 3)]);
    }

    [Fact]
    public void CrossEntropyRejectsMismatchedTargets()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(Logits(1, 4, 5), Tensor.FromArray(new[] { 0, 1, 2 })));
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
        Assert.Throws<IndexOutOfRangeException>(() => Losses.CrossEntropy(Logits(1, 2, 5), Tensor.FromArray(new[] { 0, 5 })));
    }

    [Fact]
    public void BinaryCrossEntropyFromLogitsAndFromProbabilities()
    {
        var logits = Logits(5, 3, 2);
        var targets = Tensor.Uniform(new Shape(3, 2), 0, 1, DType.Float64, new Generator(6));
        var x = logits.ToArray<double>();
        var t = targets.ToArray<double>();
        var expected = x.Select((v, i) => -(t[i] * Math.Log(1 / (1 + Math.Exp(-v))) + (1 - t[i]) * Math.Log(1 - 1 / (1 + Math.Exp(-v))))).ToArray();
        AssertClose(expected, Losses.BinaryCrossEntropyWithLogits(logits, targets, Reduction.None).ToArray<double>());
        AssertClose(expected, Losses.BinaryCrossEntropy(logits.Sigmoid(), targets, Reduction.None).ToArray<double>());
        foreach (var r in AllReductions)
        {
            GradCheck.Assert(u => Losses.BinaryCrossEntropyWithLogits(u[0], u[1], r), [logits, targets]);
            GradCheck.Assert(u => Losses.BinaryCrossEntropy(u[0], u[1], r), [logits.Sigmoid(), targets]);
        }
        // Saturated probabilities stay finite (each log is clamped at −100).
        var p = Tensor.FromArray(new double[] { 0, 1 }, requiresGrad: true);
        var loss = Losses.BinaryCrossEntropy(p, Tensor.FromArray(new double[] { 1, 0 }), Reduction.Sum);
        Assert.Equal(200, loss.Item(), 9);
        loss.Backward();
        Assert.All(p.Grad!.ToArray<double>(), v => Assert.True(double.IsFinite(v)));
        // Huge logits stay finite too.
        Assert.Equal(1000, Losses.BinaryCrossEntropyWithLogits(Tensor.FromArray(new double[] { 1000 }), Tensor.FromArray(new double[] { 0 })).Item(), 9);
    }

    [Fact]
    public void MeanSquaredError()
    {
        var a = Logits(8, 2, 3);
        var b = Logits(9, 2, 3);
        var expected = a.ToArray<double>().Zip(b.ToArray<double>(), (u, v) => (u - v) * (u - v)).ToArray();
        AssertClose(expected, Losses.MeanSquaredError(a, b, Reduction.None).ToArray<double>());
        Assert.Equal(expected.Average(), Losses.MeanSquaredError(a, b).Item(), 12);
        foreach (var r in AllReductions)
            GradCheck.Assert(u => Losses.MeanSquaredError(u[0], u[1], r), [a, b]);
        GradCheck.Assert(u => Losses.MeanSquaredError(u[0], u[1]), [a, Logits(10, 3)]); // broadcast target
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 10);
    }
}
