using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>A batch-norm input of rank 2–4 (any layout) with a dtype and options.</summary>
public sealed record BatchNormCase(Operand X, DType DType, bool Affine, bool Training, double Momentum)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} {DType.Name()} affine={Affine} training={Training} momentum={Momentum}";
}

/// <summary>A layer-norm input of rank 1–4 with how many trailing axes to normalise.</summary>
public sealed record LayerNormCase(Operand X, int NormalizedAxes, DType DType, bool Affine)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} axes={NormalizedAxes} {DType.Name()} affine={Affine}";
}

/// <summary>Generators of normalisation cases on the shapes and layouts of <see cref="TensorArbitraries"/>.</summary>
public static class NormalizationArbitraries
{
    /// <summary>Batch-norm cases with at least two values per channel.</summary>
    public static Arbitrary<BatchNormCase> BatchNormCases() => Arb.From(
        from x in TensorArbitraries.OperandOf(TensorArbitraries.AnyShape(2, 4))
        where x.Shape.Aggregate(1L, (p, d) => p * d) / x.Shape[1] > 1
        from dtype in TensorArbitraries.FloatTypes()
        from affine in Gen.Elements(true, false)
        from training in Gen.Elements(true, false)
        from momentum in Gen.Elements(0.1, 0.5, 1.0)
        select new BatchNormCase(x, dtype, affine, training, momentum));

    /// <summary>Layer-norm cases.</summary>
    public static Arbitrary<LayerNormCase> LayerNormCases() => Arb.From(
        from x in TensorArbitraries.OperandOf(TensorArbitraries.AnyShape(1, 4))
        from axes in Gen.Choose(1, x.Shape.Length)
        from dtype in TensorArbitraries.FloatTypes()
        from affine in Gen.Elements(true, false)
        select new LayerNormCase(x, axes, dtype, affine));
}

/// <summary>Batch norm, layer norm and dropout against float64 two-pass references, plus their error cases.</summary>
[Properties(Arbitrary = [typeof(NormalizationArbitraries)], MaxTest = 40)]
public class NormalizationOpTests
{
    private const double Eps = 1e-5;

    private static double Rtol(DType d) => d == DType.Float32 ? 5e-5 : 1e-10;

    private static NdArray Random(int[] shape, int seed, double low, double high) => NdArray.Random(shape, new Random(seed), low, high);

    /// <summary>Per-channel two-pass mean and biased variance of [N, C, …] values.</summary>
    private static (double[] Mean, double[] Variance) ChannelMoments(NdArray x)
    {
        int channels = x.Shape[1], inner = x.Shape.Skip(2).Aggregate(1, (p, d) => p * d);
        var groups = x.Data.Select((v, i) => (v, c: i / inner % channels)).GroupBy(e => e.c).OrderBy(g => g.Key).ToArray();
        var mean = groups.Select(g => g.Average(e => e.v)).ToArray();
        var variance = groups.Select(g => g.Average(e => (e.v - mean[g.Key]) * (e.v - mean[g.Key]))).ToArray();
        return (mean, variance);
    }

    [Property]
    public void BatchNorm_matches_reference_and_updates_running_statistics(BatchNormCase c)
    {
        var x = TensorArbitraries.Make(c.X, c.X.Values(-3, 5), c.DType);
        var values = NdArray.Of(x);
        int channels = c.X.Shape[1], inner = c.X.Shape.Skip(2).Aggregate(1, (p, d) => p * d);
        long count = x.NumElements / channels;
        var runningMean = Random([channels], c.X.Seed + 1, -1, 1).ToTensor(c.DType);
        var runningVar = Random([channels], c.X.Seed + 2, 0.5, 2).ToTensor(c.DType);
        var (oldMean, oldVar) = (runningMean.ToDoubles(), runningVar.ToDoubles());
        var weight = c.Affine ? Random([channels], c.X.Seed + 3, -2, 2).ToTensor(c.DType) : null;
        var bias = c.Affine ? Random([channels], c.X.Seed + 4, -2, 2).ToTensor(c.DType) : null;

        var y = x.BatchNorm(runningMean, runningVar, weight, bias, c.Training, c.Momentum, Eps);

        var (batchMean, batchVar) = ChannelMoments(values);
        var (mean, variance) = c.Training ? (batchMean, batchVar) : (oldMean, oldVar);
        double[] w = weight?.ToDoubles() ?? Enumerable.Repeat(1.0, channels).ToArray(), b = bias?.ToDoubles() ?? new double[channels];
        var expected = new NdArray(values.Shape, values.Data.Select((v, i) =>
        {
            int ch = i / inner % channels;
            return (v - mean[ch]) / Math.Sqrt(variance[ch] + Eps) * w[ch] + b[ch];
        }).ToArray());
        Close.Equal(expected, y, rtol: Rtol(c.DType), atol: Rtol(c.DType) * 100, what: "y");

        var expectedMean = c.Training ? oldMean.Select((m, ch) => (1 - c.Momentum) * m + c.Momentum * batchMean[ch]).ToArray() : oldMean;
        var expectedVar = c.Training ? oldVar.Select((v, ch) => (1 - c.Momentum) * v + c.Momentum * batchVar[ch] * count / (count - 1)).ToArray() : oldVar;
        Close.Equal(new NdArray([channels], expectedMean), runningMean, rtol: Rtol(c.DType), atol: Rtol(c.DType), what: "runningMean");
        Close.Equal(new NdArray([channels], expectedVar), runningVar, rtol: Rtol(c.DType), atol: Rtol(c.DType), what: "runningVar");
    }

    [Property]
    public void LayerNorm_matches_reference(LayerNormCase c)
    {
        var x = TensorArbitraries.Make(c.X, c.X.Values(-3, 5), c.DType);
        var values = NdArray.Of(x);
        var normalizedShape = c.X.Shape[^c.NormalizedAxes..];
        int length = normalizedShape.Aggregate(1, (p, d) => p * d);
        var weight = c.Affine ? Random(normalizedShape, c.X.Seed + 3, -2, 2).ToTensor(c.DType) : null;
        var bias = c.Affine ? Random(normalizedShape, c.X.Seed + 4, -2, 2).ToTensor(c.DType) : null;

        var y = x.LayerNorm(c.NormalizedAxes, weight, bias, Eps);

        double[] w = weight?.ToDoubles() ?? Enumerable.Repeat(1.0, length).ToArray(), b = bias?.ToDoubles() ?? new double[length];
        var expected = new double[values.Data.Length];
        for (int row = 0; row < expected.Length / length; row++)
        {
            var slice = values.Data.Skip(row * length).Take(length).ToArray();
            double mean = slice.Average(), variance = slice.Average(v => (v - mean) * (v - mean));
            for (int j = 0; j < length; j++) expected[row * length + j] = (slice[j] - mean) / Math.Sqrt(variance + Eps) * w[j] + b[j];
        }
        Close.Equal(new NdArray(values.Shape, expected), y, rtol: Rtol(c.DType), atol: Rtol(c.DType) * 100, what: "y");
    }

    [Fact]
    public void BatchNorm_running_statistics_follow_pytorch_on_a_worked_example()
    {
        // x = [[1], [3]]: batch mean 2, biased variance 1, unbiased variance 2.
        var x = Tensor.FromArray(new double[,] { { 1 }, { 3 } });
        var runningMean = Tensor.Zeros(new Shape(1), DType.Float64);
        var runningVar = Tensor.Ones(new Shape(1), DType.Float64);
        var y = x.BatchNorm(runningMean, runningVar, null, null, training: true);
        double scale = 1 / Math.Sqrt(1 + 1e-5);
        Assert.Equal(-scale, y.ToDoubles()[0], 12);
        Assert.Equal(scale, y.ToDoubles()[1], 12);
        Assert.Equal(0.2, runningMean.ToDoubles()[0], 12);
        Assert.Equal(1.1, runningVar.ToDoubles()[0], 12);
        var inference = x.BatchNorm(runningMean, runningVar, null, null, training: false).ToDoubles();
        Assert.Equal(0.8 / Math.Sqrt(1.1 + 1e-5), inference[0], 12);
        Assert.Equal(2.8 / Math.Sqrt(1.1 + 1e-5), inference[1], 12);
    }

    [Fact]
    public void BatchNorm_keeps_a_small_spread_under_a_large_mean()
    {
        var x = (Tensor.Randn(new Shape(64, 2, 500), DType.Float32, new Generator(3)) + 1e4).Contiguous();
        var runningMean = Tensor.Zeros(new Shape(2));
        var runningVar = Tensor.Ones(new Shape(2));
        var y = x.BatchNorm(runningMean, runningVar, null, null, training: true, momentum: 1);
        var yValues = NdArray.Of(y);
        var (mean, variance) = ChannelMoments(yValues);
        for (int c = 0; c < 2; c++)
        {
            Assert.True(Math.Abs(mean[c]) < 1e-3, $"channel {c}: normalised mean {mean[c]}");
            Assert.True(Math.Abs(variance[c] - 1) < 1e-3, $"channel {c}: normalised variance {variance[c]}");
        }
        var (_, inputVariance) = ChannelMoments(NdArray.Of(x));
        Assert.True(Math.Abs(runningVar.ToDoubles()[0] - inputVariance[0] * 32000 / 31999) < 1e-4 * inputVariance[0]);
    }

    // ---- dropout ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0.1)] [InlineData(0.5)] [InlineData(0.9)]
    public void Dropout_keeps_about_one_minus_p_and_scales_the_kept(double p)
    {
        const int n = 100_000;
        var x = Tensor.Uniform(new Shape(n), 1, 2, DType.Float64, new Generator(11));
        var y = x.Dropout(p, training: true, new Generator(42));
        double[] xs = x.ToDoubles(), ys = y.ToDoubles();
        int kept = 0;
        for (int k = 0; k < n; k++)
        {
            if (ys[k] == 0) continue;
            kept++;
            Assert.True(Math.Abs(xs[k] / (1 - p) - ys[k]) <= 1e-14 * ys[k], $"p={p} at {k}: {ys[k]} is not {xs[k]}/(1 − p)");
        }
        // Kept ~ Binomial(n, 1 − p): five standard deviations.
        double bound = 5 * Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(kept - n * (1 - p)) <= bound, $"p={p}: kept {kept} of {n}, expected {n * (1 - p)} ± {bound:F0}");
    }

    [Theory]
    [InlineData(0.2)] [InlineData(0.7)]
    public void Dropout_preserves_the_mean(double p)
    {
        const int n = 100_000;
        var ones = Tensor.Ones(new Shape(n), DType.Float32);
        double mean = ones.Dropout(p, training: true, new Generator(5)).ToDoubles().Average();
        // Each output is 1/(1 − p) with probability 1 − p: variance p/(1 − p) per element.
        double bound = 5 * Math.Sqrt(p / (1 - p) / n);
        Assert.True(Math.Abs(mean - 1) <= bound, $"p={p}: mean {mean}, bound {bound}");
    }

    [Fact]
    public void Dropout_is_reproducible_with_a_seed()
    {
        var x = Tensor.Randn(new Shape(40, 25), DType.Float32, new Generator(1));
        var first = x.Dropout(0.3, true, new Generator(99)).ToDoubles();
        var again = x.Dropout(0.3, true, new Generator(99)).ToDoubles();
        var other = x.Dropout(0.3, true, new Generator(100)).ToDoubles();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Tensor.ManualSeed(7);
        var seeded = x.Dropout(0.3, true).ToDoubles();
        Tensor.ManualSeed(7);
        Assert.Equal(seeded, x.Dropout(0.3, true).ToDoubles());
    }

    [Fact]
    public void Dropout_is_the_identity_outside_training_or_at_zero_and_zeros_at_one()
    {
        var x = Tensor.Randn(new Shape(3, 4), DType.Float64, new Generator(2));
        Assert.Same(x, x.Dropout(0.5, training: false));
        Assert.Same(x, x.Dropout(0, training: true));
        Assert.All(x.Dropout(1, training: true).ToDoubles(), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(-0.1)] [InlineData(1.5)] [InlineData(double.NaN)]
    public void Dropout_rejects_p_outside_zero_to_one(double p)
    {
        var x = Tensor.Ones(new Shape(4));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(p, training: true));
        Assert.Contains("Dropout", e.Message);
    }

    // ---- errors ------------------------------------------------------------------------------------------

    [Fact]
    public void BatchNorm_rejects_bad_shapes_and_dtypes_naming_them()
    {
        var x = Tensor.Randn(new Shape(4, 3, 5));
        var c3 = Tensor.Ones(new Shape(3));
        AssertNames(() => Tensor.Ones(new Shape(6)).BatchNorm(null, null, null, null, true), "BatchNorm", "(6,)");
        AssertNames(() => Tensor.Ones(new Shape(2, 3, 4, 5, 6)).BatchNorm(null, null, null, null, true), "BatchNorm", "(2, 3, 4, 5, 6)");
        AssertNames(() => x.BatchNorm(null, null, Tensor.Ones(new Shape(4)), null, true), "weight", "(4,)");
        AssertNames(() => x.BatchNorm(null, null, null, Tensor.Ones(new Shape(3), DType.Float64), true), "bias", "float64");
        AssertNames(() => x.BatchNorm(Tensor.Zeros(new Shape(2)), c3, null, null, true), "runningMean", "(2,)");
        AssertNames(() => x.BatchNorm(c3, null, null, null, true), "BatchNorm", "runningVar");
        AssertNames(() => x.BatchNorm(null, null, null, null, false), "BatchNorm", "inference");
        AssertNames(() => Tensor.Ones(new Shape(1, 3)).BatchNorm(null, null, null, null, true), "BatchNorm", "more than one value");
        AssertNames(() => Tensor.Ones(new Shape(2, 3), DType.Int32).BatchNorm(null, null, null, null, true), "BatchNorm", "int32");
    }

    [Fact]
    public void LayerNorm_rejects_bad_axes_and_parameters_naming_them()
    {
        var x = Tensor.Randn(new Shape(2, 3, 4));
        AssertNames(() => x.LayerNorm(0, null, null), "LayerNorm", "(2, 3, 4)");
        AssertNames(() => x.LayerNorm(4, null, null), "LayerNorm", "normalizedAxes");
        AssertNames(() => x.LayerNorm(2, Tensor.Ones(new Shape(4)), null), "weight", "(3, 4)");
        AssertNames(() => x.LayerNorm(1, null, Tensor.Ones(new Shape(4), DType.Float64)), "bias", "float64");
    }

    private static void AssertNames(Action act, params string[] parts)
    {
        var e = Assert.Throws<ArgumentException>(act);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }
}
