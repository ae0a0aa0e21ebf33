using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.Tests.Autodiff;

/// <summary>Whole models and composite functions: gradients against finite differences and the reverse-mode identity.</summary>
public class ModelGradientTests
{
    [Fact]
    public void MlpSoftmaxCrossEntropyGradientMatchesFiniteDifferences()
    {
        var g = new Generator(11);
        var x = Tensor.Randn(new Shape(6, 5), DType.Float64, g);
        var labels = Tensor.FromArray(new[] { 0, 3, 1, 2, 3, 0 });
        Tensor P(params int[] dims) => Tensor.Randn(new Shape(dims), DType.Float64, g) * 0.5;
        GradCheck.Assert(t =>
        {
            var h1 = (x.MatMul(t[0]) + t[1]).Relu();
            var h2 = (h1.MatMul(t[2]) + t[3]).Tanh();
            return Losses.CrossEntropy(h2.MatMul(t[4]) + t[5], labels);
        }, [P(5, 7), P(7), P(7, 6), P(6), P(6, 4), P(4)]);
    }

    /// <summary>⟨v, J·u⟩ = ⟨Jᵀ·v, u⟩: the backward pass is the adjoint of the forward derivative.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void BackwardIsTheAdjointOfTheForwardDerivative(int which)
    {
        Func<Tensor, Tensor> f = which switch
        {
            0 => x => x.MatMul(x.T).Softmax(-1) * x.Sum(1, keepDims: true),
            1 => x => (x.Exp().LogSumExp(1, keepDims: true) - x).Gelu().T.Reshape(-1),
            2 => x => Tensor.Concat([x.Sigmoid(), x[.., 1..].Square()], axis: 1).Std(0, keepDims: false).Narrow(0, 1, 3).Unsqueeze(0) * x,
            _ => x => x.Max(1).Pow(2) + x.Var(1) - x.Pad([1, 1]).Mean(1),
        };
        var g = new Generator((ulong)(100 + which));
        var x0 = Tensor.Randn(new Shape(4, 3), DType.Float64, g);
        var u = Tensor.Randn(new Shape(4, 3), DType.Float64, g);
        Tensor y0;
        using (Autograd.NoGrad()) y0 = f(x0);
        var v = Tensor.Randn(y0.Shape, DType.Float64, g);

        const double h = 1e-6;
        Tensor plus, minus;
        using (Autograd.NoGrad())
        {
            plus = f(x0 + u * h);
            minus = f(x0 - u * h);
        }
        double vJu = ((plus - minus) / (2 * h) * v).Sum().Item();

        var x = x0.Detach();
        x.RequiresGrad = true;
        f(x).Backward(v);
        double jTvU = (x.Grad! * u).Sum().Item();
        Assert.True(Math.Abs(vJu - jTvU) <= 1e-6 * (1 + Math.Abs(vJu)), $"⟨v, Ju⟩ = {vJu} but ⟨Jᵀv, u⟩ = {jTvU}");
    }
}
