using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>Elementwise tensor ops against the double-precision oracle, with broadcasting and strided views.</summary>
[Properties(Arbitrary = [typeof(TensorArbitraries)], MaxTest = 60)]
public class ElementwiseOpTests
{
    private static (Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Ref) BinaryOp(string name) => name switch
    {
        "Add" => ((a, b) => a + b, (a, b) => a + b),
        "Sub" => ((a, b) => a - b, (a, b) => a - b),
        "Mul" => ((a, b) => a * b, (a, b) => a * b),
        "Div" => ((a, b) => a / b, (a, b) => a / b),
        "Maximum" => (Tensor.Maximum, Math.Max),
        "Minimum" => (Tensor.Minimum, Math.Min),
        _ => ((a, b) => a.Pow(b), Math.Pow),
    };

    private static void CheckBinary(OperandPair pair, string name)
    {
        var (op, reference) = BinaryOp(name);
        // Keep denominators and bases away from zero so the comparison measures the op, not conditioning.
        var (low, high) = name is "Div" or "Pow" ? (0.5, 2.0) : (-2.0, 2.0);
        var a = pair.A.Values(low, high);
        var b = pair.B.Values(low, high);
        var ta = TensorArbitraries.Make(pair.A, a, pair.DType);
        var tb = TensorArbitraries.Make(pair.B, b, pair.DType);
        // Compare against the oracle applied to the values as rounded to the dtype.
        var expected = NdArray.Zip(NdArray.Of(ta), NdArray.Of(tb), reference);
        Close.Equal(expected, op(ta, tb), rtol: pair.DType == DType.Float32 ? 4e-6 : 1e-13, what: name);
    }

    [Property] public void Add(OperandPair p) => CheckBinary(p, "Add");
    [Property] public void Sub(OperandPair p) => CheckBinary(p, "Sub");
    [Property] public void Mul(OperandPair p) => CheckBinary(p, "Mul");
    [Property] public void Div(OperandPair p) => CheckBinary(p, "Div");
    [Property] public void Maximum(OperandPair p) => CheckBinary(p, "Maximum");
    [Property] public void Minimum(OperandPair p) => CheckBinary(p, "Minimum");
    [Property(MaxTest = 30)] public void Pow(OperandPair p) => CheckBinary(p, "Pow");

    [Property]
    public void ScalarsOnEitherSide(TypedOperand x)
    {
        var values = x.X.Values();
        var t = TensorArbitraries.Make(x.X, values, x.DType);
        var v = NdArray.Of(t);
        Close.Equal(v.Map(e => e + 1.5), t + 1.5);
        Close.Equal(v.Map(e => 1.5 - e), 1.5 - t);
        Close.Equal(v.Map(e => e * -3), t * -3);
        Close.Equal(v.Map(e => 2 / (Math.Abs(e) + 1)), 2 / (t.Abs() + 1), rtol: 4e-6);
        Close.Equal(v.Map(e => -e), -t);
    }

    private static readonly string[] UnaryNames =
    [
        "Abs", "Sqrt", "Square", "Reciprocal", "Exp", "Log", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu",
        "Gelu", "GeluTanh", "Softplus", "Silu", "Clamp", "Pow3", "Sign",
    ];

    private static (Func<Tensor, Tensor> Op, Func<double, double> Ref, double Low, double High) UnaryOp(string name) => name switch
    {
        "Abs" => (t => t.Abs(), Math.Abs, -3, 3),
        "Sqrt" => (t => t.Sqrt(), Math.Sqrt, 0, 9),
        "Square" => (t => t.Square(), x => x * x, -3, 3),
        "Reciprocal" => (t => t.Reciprocal(), x => 1 / x, 0.25, 4),
        "Exp" => (t => t.Exp(), Math.Exp, -20, 20),
        "Log" => (t => t.Log(), Math.Log, 1e-3, 1e3),
        "Tanh" => (t => t.Tanh(), Math.Tanh, -6, 6),
        "Sigmoid" => (t => t.Sigmoid(), x => 1 / (1 + Math.Exp(-x)), -12, 12),
        "Relu" => (t => t.Relu(), x => Math.Max(x, 0), -3, 3),
        "LeakyRelu" => (t => t.LeakyRelu(0.1), x => x > 0 ? x : 0.1 * x, -3, 3),
        "Elu" => (t => t.Elu(1.5), x => x > 0 ? x : 1.5 * (Math.Exp(x) - 1), -4, 4),
        "Gelu" => (t => t.Gelu(), Gelu, -5, 5),
        "GeluTanh" => (t => t.Gelu(approximate: true), x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), -5, 5),
        "Softplus" => (t => t.Softplus(), x => Math.Log(1 + Math.Exp(x)), -15, 15),
        "Silu" => (t => t.Silu(), x => x / (1 + Math.Exp(-x)), -8, 8),
        "Clamp" => (t => t.Clamp(-0.5, 0.75), x => Math.Clamp(x, -0.5, 0.75), -2, 2),
        "Pow3" => (t => t.Pow(3), x => x * x * x, -2, 2),
        _ => (t => t.Sign(), x => Math.Sign(x), -2, 2),
    };

    [Property(MaxTest = 200)]
    public void UnaryOpsMatchTheOracle(TypedOperand x, byte which)
    {
        string name = UnaryNames[which % UnaryNames.Length];
        var (op, reference, low, high) = UnaryOp(name);
        var t = TensorArbitraries.Make(x.X, x.X.Values(low, high), x.DType);
        var expected = NdArray.Of(t).Map(reference);
        Close.Equal(expected, op(t), rtol: x.DType == DType.Float32 ? 5e-6 : 1e-12, atol: x.DType == DType.Float32 ? 2e-7 : 1e-14, what: name);
        Assert.True(op(t).IsContiguous);
    }

    [Property]
    public void ComparisonsAndWhere(OperandPair pair)
    {
        var ta = TensorArbitraries.Make(pair.A, pair.A.Values(), pair.DType);
        var tb = TensorArbitraries.Make(pair.B, pair.B.Values(), pair.DType);
        var a = NdArray.Of(ta);
        var b = NdArray.Of(tb);
        Close.Equal(NdArray.Zip(a, b, (x, y) => x < y ? 1 : 0), ta < tb);
        Close.Equal(NdArray.Zip(a, b, (x, y) => x >= y ? 1 : 0), ta >= tb);
        Close.Equal(NdArray.Zip(a, a, (x, y) => x == y ? 1 : 0), ta.Eq(ta));
        Close.Equal(NdArray.Zip(a, b, (x, y) => x != y ? 1 : 0), ta.Ne(tb));
        Assert.Equal(DType.Bool, (ta > tb).DType);
        Close.Equal(NdArray.Zip(a, b, (x, y) => x > y ? x : y), Tensor.Where(ta > tb, ta, tb));
    }

    [Fact]
    public void IntegerArithmeticStaysInteger()
    {
        var a = Tensor.FromArray(new[] { 7, -7, 9 });
        var b = Tensor.FromArray(new[] { 2, 2, -4 });
        Assert.Equal(new[] { 9, -5, 5 }, (a + b).ToArray<int>());
        Assert.Equal(new[] { 3, -3, -2 }, (a / b).ToArray<int>());
        Assert.Equal(new[] { 7, 7, 9 }, a.Abs().ToArray<int>());
        Assert.Equal(new[] { -7, 7, -9 }, (-a).ToArray<int>());
    }

    [Fact]
    public void NaNPropagatesThroughMaximumAndMinimum()
    {
        var a = Tensor.FromArray(new[] { 1f, float.NaN, 3f });
        var b = Tensor.FromArray(new[] { float.NaN, 2f, 1f });
        var max = Tensor.Maximum(a, b).ToArray<float>();
        Assert.True(float.IsNaN(max[0]) && float.IsNaN(max[1]));
        Assert.Equal(3f, max[2]);
    }

    /// <summary>Φ-based GELU through erfc, so the negative tail keeps full relative precision.</summary>
    internal static double Gelu(double x) => 0.5 * x * Erfc(-x / Math.Sqrt(2));

    /// <summary>
    /// erfc to ~1e-15 relative: the Taylor series of erf near 0 (where 1 − erf loses nothing), the
    /// continued fraction (modified Lentz) beyond 1.5, and erfc(−x) = 2 − erfc(x) for negative x.
    /// </summary>
    internal static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 1.5)
        {
            double term = x, sum = x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x * x / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-18) break;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        double f = x, c = x, d = 0;
        for (int k = 1; k < 5000; k++)
        {
            double an = k / 2.0;
            d = x + an * d; d = 1 / d;
            c = x + an / c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
