using Engine.Tensors;
using Engine.Tests.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>A small batch-norm input of rank 2–4 with more than one value per channel.</summary>
public sealed record GradBatchNorm(Operand X, bool Affine)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} affine={Affine}";
}

/// <summary>A small layer-norm input with how many trailing axes to normalise.</summary>
public sealed record GradLayerNorm(Operand X, int NormalizedAxes, bool Affine)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} axes={NormalizedAxes} affine={Affine}";
}

/// <summary>Generators for the normalisation gradient checks (a few dozen elements at most).</summary>
public static class NormalizationGradArbitraries
{
    /// <summary>Batch-norm inputs.</summary>
    public static Arbitrary<GradBatchNorm> BatchNorms() => Arb.From(
        from x in TensorArbitraries.OperandOf(GradArbitraries.SmallShape(2, 4))
        let count = x.Shape.Aggregate(1, (p, d) => p * d)
        where count <= 72 && count / x.Shape[1] > 1
        from affine in Gen.Elements(true, false)
        select new GradBatchNorm(x, affine));

    /// <summary>Layer-norm inputs.</summary>
    public static Arbitrary<GradLayerNorm> LayerNorms() => Arb.From(
        from x in TensorArbitraries.OperandOf(GradArbitraries.SmallShape(1, 3))
        from axes in Gen.Choose(1, x.Shape.Length)
        from affine in Gen.Elements(true, false)
        select new GradLayerNorm(x, axes, affine));

    /// <summary>Small operands of rank 1–3 for dropout.</summary>
    public static Arbitrary<GradOperand> Operands() =>
        Arb.From(TensorArbitraries.OperandOf(GradArbitraries.SmallShape(1, 3)).Select(x => new GradOperand(x)));
}

/// <summary>Batch norm, layer norm and dropout: analytic gradients against central differences in float64.</summary>
[Properties(Arbitrary = [typeof(NormalizationGradArbitraries)], MaxTest = 25)]
public class NormalizationGradientTests
{
    private static Tensor Parameter(int[] shape, int seed, double low, double high) =>
        NdArray.Random(shape, new Random(seed), low, high).ToTensor(DType.Float64);

    /// <summary>x, and weight and bias of <paramref name="shape"/> when affine.</summary>
    private static Tensor[] Inputs(Operand x, bool affine, int[] shape) => affine
        ? [Grad.Make(x), Parameter(shape, x.Seed + 1, 0.5, 2), Parameter(shape, x.Seed + 2, -1, 1)]
        : [Grad.Make(x)];

    private static Tensor? Weight(Tensor[] t) => t.Length > 1 ? t[1] : null;

    private static Tensor? Bias(Tensor[] t) => t.Length > 2 ? t[2] : null;

    [Property]
    public void BatchNorm_training(GradBatchNorm c)
    {
        int channels = c.X.Shape[1];
        // Fresh running statistics per evaluation: they are updated in place but never feed the output.
        Grad.Check(t => t[0].BatchNorm(Tensor.Zeros(new Shape(channels), DType.Float64), Tensor.Ones(new Shape(channels), DType.Float64),
            Weight(t), Bias(t), training: true), Inputs(c.X, c.Affine, [channels]));
    }

    [Property]
    public void BatchNorm_inference(GradBatchNorm c)
    {
        int channels = c.X.Shape[1];
        var runningMean = Parameter([channels], c.X.Seed + 3, -1, 1);
        var runningVar = Parameter([channels], c.X.Seed + 4, 0.5, 2);
        Grad.Check(t => t[0].BatchNorm(runningMean, runningVar, Weight(t), Bias(t), training: false), Inputs(c.X, c.Affine, [channels]));
    }

    [Property]
    public void LayerNorm(GradLayerNorm c)
    {
        int[] normalizedShape = c.X.Shape[^c.NormalizedAxes..];
        Grad.Check(t => t[0].LayerNorm(c.NormalizedAxes, Weight(t), Bias(t)), Inputs(c.X, c.Affine, normalizedShape));
    }

    [Property]
    public void Dropout_with_a_fixed_mask(GradOperand x)
    {
        // A new generator with the same seed per evaluation: every evaluation draws the same mask.
        foreach (double p in new[] { 0.3, 0.8 })
            Grad.Check(t => t[0].Dropout(p, training: true, new Generator((ulong)x.X.Seed)), Grad.Make(x.X));
    }

    [Fact]
    public void Dropout_gradient_is_the_mask_times_the_scale()
    {
        var x = Tensor.Randn(new Shape(500), DType.Float64, new Generator(4), requiresGrad: true);
        var y = x.Dropout(0.25, training: true, new Generator(8));
        y.Sum().Backward();
        double[] ys = y.ToDoubles(), grads = x.Grad!.ToDoubles();
        for (int k = 0; k < ys.Length; k++) Assert.Equal(ys[k] == 0 ? 0 : 1 / 0.75, grads[k], 14);

        x.ZeroGrad();
        x.Dropout(1, training: true).Sum().Backward();
        Assert.All(x.Grad!.ToDoubles(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void Only_the_parameters_that_need_it_get_a_gradient()
    {
        var x = Tensor.Randn(new Shape(4, 3, 2), DType.Float64, new Generator(1));
        var weight = Tensor.Ones(new Shape(3), DType.Float64, requiresGrad: true);
        var bias = Tensor.Zeros(new Shape(3), DType.Float64);
        x.BatchNorm(null, null, weight, bias, training: true).Square().Sum().Backward();
        Assert.Null(x.Grad);
        Assert.Null(bias.Grad);
        // Σ x̂² over a channel is its count (up to eps), so d/dγ Σ (γ x̂)² = 2γ·count.
        Assert.All(weight.Grad!.ToDoubles(), g => Assert.Equal(16, g, 3));

        var rows = Tensor.Randn(new Shape(5, 6), DType.Float64, new Generator(2));
        var layerBias = Tensor.Zeros(new Shape(6), DType.Float64, requiresGrad: true);
        rows.LayerNorm(1, null, layerBias).Sum().Backward();
        Assert.All(layerBias.Grad!.ToDoubles(), g => Assert.Equal(5, g, 12));
    }
}
