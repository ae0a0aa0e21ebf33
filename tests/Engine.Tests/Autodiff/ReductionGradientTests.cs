using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>Reductions, softmax and matrix products: analytic gradients against central differences in float64.</summary>
[Properties(Arbitrary = [typeof(GradArbitraries)], MaxTest = 25)]
public class ReductionGradientTests
{
    [Property] public void Sum(GradReduction c) => Grad.Check(t => t[0].Sum(c.Axes, c.KeepDims), Grad.Make(c.X));
    [Property] public void Mean(GradReduction c) => Grad.Check(t => t[0].Mean(c.Axes, c.KeepDims), Grad.Make(c.X));
    [Property] public void Max(GradReduction c) => Grad.Check(t => t[0].Max(c.Axes, c.KeepDims), Grad.Make(c.X));
    [Property] public void Min(GradReduction c) => Grad.Check(t => t[0].Min(c.Axes, c.KeepDims), Grad.Make(c.X));
    [Property] public void Var(GradReduction c) => Grad.Check(t => t[0].Var(c.Axes, c.KeepDims, correction: 0), Grad.Make(c.X));
    [Property]
    public void Std(GradReduction c)
    {
        // A slice of one element has zero spread, where √ has no derivative (PyTorch gives NaN too).
        if (c.Axes.Select(a => c.X.Shape[a < 0 ? a + c.X.Shape.Length : a]).Aggregate(1, (p, d) => p * d) == 1) return;
        Grad.Check(t => t[0].Std(c.Axes, c.KeepDims, correction: 0), Grad.Make(c.X));
    }
    [Property] public void LogSumExp(GradReduction c) => Grad.Check(t => t[0].LogSumExp(c.Axes, c.KeepDims), Grad.Make(c.X, -5, 5));
    [Property] public void SumAndMaxOfAll(GradOperand x) => Grad.Check(t => t[0].Sum() + t[0].Max() - t[0].Min() + t[0].Mean(), Grad.Make(x.X));
    [Property] public void Softmax(GradReduction c) => Grad.Check(t => t[0].Softmax(c.Axes[0]), Grad.Make(c.X, -3, 3));
    [Property] public void LogSoftmax(GradReduction c) => Grad.Check(t => t[0].LogSoftmax(c.Axes[0]), Grad.Make(c.X, -3, 3));

    [Fact]
    public void MaxRoutesTheGradientToTheFirstTie()
    {
        var x = Tensor.FromArray(new double[,] { { 1, 3, 3 }, { 2, 2, 0 } }, requiresGrad: true);
        x.Max(1).Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 0, 1, 0, 0 }, x.Grad!.ToArray<double>());
        x.ZeroGrad();
        x.Max().Backward();
        Assert.Equal(new double[] { 0, 1, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaximumSplitsTheGradientOnTies()
    {
        var a = Tensor.FromArray(new double[] { 1, 2, 3 }, requiresGrad: true);
        var b = Tensor.FromArray(new double[] { 3, 2, 1 }, requiresGrad: true);
        Tensor.Maximum(a, b).Sum().Backward();
        Assert.Equal(new double[] { 0, 0.5, 1 }, a.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 1, 0.5, 0 }, b.Grad!.ToArray<double>());
    }
}
