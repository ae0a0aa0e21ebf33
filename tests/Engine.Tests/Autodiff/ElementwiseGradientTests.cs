using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>Every elementwise op's gradient equals central differences in float64 (broadcasting, strided inputs).</summary>
[Properties(Arbitrary = [typeof(GradArbitraries)], MaxTest = 25)]
public class ElementwiseGradientTests
{
    [Property] public void Add(GradPair p) => Grad.Check(t => t[0] + t[1], Grad.Make(p.A), Grad.Make(p.B));
    [Property] public void Sub(GradPair p) => Grad.Check(t => t[0] - t[1], Grad.Make(p.A), Grad.Make(p.B));
    [Property] public void Mul(GradPair p) => Grad.Check(t => t[0] * t[1], Grad.Make(p.A), Grad.Make(p.B));
    [Property] public void Div(GradPair p) => Grad.Check(t => t[0] / t[1], Grad.Make(p.A), Grad.Make(p.B, 0.5, 2));
    [Property] public void PowBothWays(GradPair p) => Grad.Check(t => t[0].Pow(t[1]), Grad.Make(p.A, 0.5, 2), Grad.Make(p.B));
    [Property] public void Maximum(GradPair p) => Grad.Check(t => Tensor.Maximum(t[0], t[1]), Grad.Make(p.A), Grad.Make(p.B));
    [Property] public void Minimum(GradPair p) => Grad.Check(t => Tensor.Minimum(t[0], t[1]), Grad.Make(p.A), Grad.Make(p.B));

    [Property]
    public void ScalarOperands(GradOperand x) =>
        Grad.Check(t => (t[0] + 1.5) * 2.0 - 3.0 / (t[0].Abs() + 1.0) + (2.0 - t[0]) / 4.0 + t[0].Maximum(0.3) + t[0].Minimum(-0.3),
            Grad.AwayFromZero(x.X, 0.4));

    [Property] public void Neg(GradOperand x) => Grad.Check(t => -t[0], Grad.Make(x.X));
    [Property] public void Abs(GradOperand x) => Grad.Check(t => t[0].Abs(), Grad.AwayFromZero(x.X));
    [Property] public void Sqrt(GradOperand x) => Grad.Check(t => t[0].Sqrt(), Grad.Make(x.X, 0.2, 2));
    [Property] public void Square(GradOperand x) => Grad.Check(t => t[0].Square(), Grad.Make(x.X));
    [Property] public void Reciprocal(GradOperand x) => Grad.Check(t => t[0].Reciprocal(), Grad.AwayFromZero(x.X, 0.3));
    [Property] public void Exp(GradOperand x) => Grad.Check(t => t[0].Exp(), Grad.Make(x.X));
    [Property] public void Log(GradOperand x) => Grad.Check(t => t[0].Log(), Grad.Make(x.X, 0.2, 3));
    [Property] public void Tanh(GradOperand x) => Grad.Check(t => t[0].Tanh(), Grad.Make(x.X));
    [Property] public void Sigmoid(GradOperand x) => Grad.Check(t => t[0].Sigmoid(), Grad.Make(x.X, -4, 4));
    [Property] public void Relu(GradOperand x) => Grad.Check(t => t[0].Relu(), Grad.AwayFromZero(x.X));
    [Property] public void LeakyRelu(GradOperand x) => Grad.Check(t => t[0].LeakyRelu(0.1), Grad.AwayFromZero(x.X));
    [Property] public void Elu(GradOperand x) => Grad.Check(t => t[0].Elu(0.7), Grad.AwayFromZero(x.X));
    [Property] public void Gelu(GradOperand x) => Grad.Check(t => t[0].Gelu(), Grad.Make(x.X, -4, 4));
    [Property] public void GeluTanh(GradOperand x) => Grad.Check(t => t[0].Gelu(approximate: true), Grad.Make(x.X, -4, 4));
    [Property] public void Softplus(GradOperand x) => Grad.Check(t => t[0].Softplus(), Grad.Make(x.X, -4, 4));
    [Property] public void Silu(GradOperand x) => Grad.Check(t => t[0].Silu(), Grad.Make(x.X, -4, 4));

    [Property]
    public void Clamp(GradOperand x)
    {
        // Values in ±[0.05, 2.05) but not within 0.05 of the bounds ±1.
        var values = x.X.Values().Map(v => v >= 0 ? v + 0.05 : v - 0.05).Map(v => Math.Abs(Math.Abs(v) - 1) < 0.05 ? v * 1.1 : v);
        Grad.Check(t => t[0].Clamp(-1, 1), Tests.Tensors.TensorArbitraries.Make(x.X, values, DType.Float64));
    }

    [Property] public void PowScalar(GradOperand x) => Grad.Check(t => t[0].Pow(3) + t[0].Pow(2) + t[0].Pow(1) + t[0].Pow(-1.5), Grad.Make(x.X, 0.3, 2));

    /// <summary>Float32 gradients agree with finite differences within GradCheck's float32 tolerances.</summary>
    [Property(MaxTest = 15)]
    public void Float32Composite(GradPair p) =>
        Engine.Autodiff.GradCheck.Assert(t => (t[0] * t[1]).Tanh() + (t[0] - t[1]).Sigmoid() * t[1] + t[0].Exp() / (t[1].Square() + 1.0),
            [Grad.Make32(p.A), Grad.Make32(p.B)]);

    [Property]
    public void Where(GradPair p)
    {
        var a = Grad.Make(p.A);
        var b = Grad.Make(p.B);
        var condition = Grad.Make(p.A) > 0;
        Grad.Check(t => Tensor.Where(condition, t[0], t[1]) + Tensor.Where(condition, 2.0, t[1]), a, b);
    }
}
