using Engine.Autodiff;
using Engine.Kernels.Cpu;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    // ---- binary arithmetic with NumPy broadcasting ----

    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b, "Add");
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => Binary(BinaryOp.Add, a, a.ScalarLike(b, "Add"), "Add");
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => Binary(BinaryOp.Add, b.ScalarLike(a, "Add"), b, "Add");
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b, "Sub");
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => Binary(BinaryOp.Sub, a, a.ScalarLike(b, "Sub"), "Sub");
    /// <summary>Subtracts from a scalar.</summary>
    public static Tensor operator -(double a, Tensor b) => Binary(BinaryOp.Sub, b.ScalarLike(a, "Sub"), b, "Sub");
    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b, "Mul");
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => Binary(BinaryOp.Mul, a, a.ScalarLike(b, "Mul"), "Mul");
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => Binary(BinaryOp.Mul, b.ScalarLike(a, "Mul"), b, "Mul");
    /// <summary>Elementwise quotient with broadcasting (integer division truncates).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b, "Div");
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => Binary(BinaryOp.Div, a, a.ScalarLike(b, "Div"), "Div");
    /// <summary>Divides a scalar by each element.</summary>
    public static Tensor operator /(double a, Tensor b) => Binary(BinaryOp.Div, b.ScalarLike(a, "Div"), b, "Div");
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) =>
        a.DType.IsFloating() ? Autograd.Record(a.Unary(UnaryOp.Neg, "Neg"), "Neg", a, static (n, g) => [-g]) : 0 - a;

    /// <summary>Elementwise power with broadcasting.</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent, "Pow");
    /// <summary>Each element raised to <paramref name="exponent"/>.</summary>
    public Tensor Pow(double exponent) => exponent switch
    {
        1 => Clone(),
        2 => DType.IsFloating() ? Square() : Unary(UnaryOp.Square, "Pow"),
        _ => Autograd.Record(Unary(UnaryOp.PowScalar, "Pow", exponent), "Pow", this, exponent,
            static (n, g) => [g * (n.Input(0).Pow(n.State<double>() - 1) * n.State<double>())]),
    };

    /// <summary>Elementwise maximum with broadcasting (NaN propagates).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Max, a, b, "Maximum");
    /// <summary>Elementwise minimum with broadcasting (NaN propagates).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Min, a, b, "Minimum");
    /// <summary>Elementwise maximum with a scalar.</summary>
    public Tensor Maximum(double b) => Binary(BinaryOp.Max, this, ScalarLike(b, "Maximum"), "Maximum");
    /// <summary>Elementwise minimum with a scalar.</summary>
    public Tensor Minimum(double b) => Binary(BinaryOp.Min, this, ScalarLike(b, "Minimum"), "Minimum");

    // ---- comparisons and selection ----

    /// <summary>a == b elementwise, as a Bool tensor.</summary>
    public Tensor Eq(Tensor other) => Compare(CompareOp.Equal, this, other, "Eq");
    /// <summary>a != b elementwise, as a Bool tensor.</summary>
    public Tensor Ne(Tensor other) => Compare(CompareOp.NotEqual, this, other, "Ne");
    /// <summary>a &lt; b elementwise, as a Bool tensor.</summary>
    public Tensor Lt(Tensor other) => Compare(CompareOp.Less, this, other, "Lt");
    /// <summary>a &lt;= b elementwise, as a Bool tensor.</summary>
    public Tensor Le(Tensor other) => Compare(CompareOp.LessEqual, this, other, "Le");
    /// <summary>a &gt; b elementwise, as a Bool tensor.</summary>
    public Tensor Gt(Tensor other) => Compare(CompareOp.Greater, this, other, "Gt");
    /// <summary>a &gt;= b elementwise, as a Bool tensor.</summary>
    public Tensor Ge(Tensor other) => Compare(CompareOp.GreaterEqual, this, other, "Ge");
    /// <summary>Compares with a scalar.</summary>
    public Tensor Eq(double other) => Eq(ScalarLike(other, "Eq"));
    /// <summary>Compares with a scalar.</summary>
    public Tensor Ne(double other) => Ne(ScalarLike(other, "Ne"));
    /// <summary>Compares with a scalar.</summary>
    public Tensor Lt(double other) => Lt(ScalarLike(other, "Lt"));
    /// <summary>Compares with a scalar.</summary>
    public Tensor Le(double other) => Le(ScalarLike(other, "Le"));
    /// <summary>Compares with a scalar.</summary>
    public Tensor Gt(double other) => Gt(ScalarLike(other, "Gt"));
    /// <summary>Compares with a scalar.</summary>
    public Tensor Ge(double other) => Ge(ScalarLike(other, "Ge"));

    /// <summary>a &lt; b elementwise.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    /// <summary>a &gt; b elementwise.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    /// <summary>a &lt;= b elementwise.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    /// <summary>a &gt;= b elementwise.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    /// <summary>a &lt; b elementwise.</summary>
    public static Tensor operator <(Tensor a, double b) => a.Lt(b);
    /// <summary>a &gt; b elementwise.</summary>
    public static Tensor operator >(Tensor a, double b) => a.Gt(b);
    /// <summary>a &lt;= b elementwise.</summary>
    public static Tensor operator <=(Tensor a, double b) => a.Le(b);
    /// <summary>a &gt;= b elementwise.</summary>
    public static Tensor operator >=(Tensor a, double b) => a.Ge(b);

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        if (condition.DType != DType.Bool)
            throw new ArgumentException($"Where: the condition must be bool, got {condition.DType.Name()} {condition.Shape}.");
        CheckPair(a, b, "Where");
        CheckDevice(condition, a, "Where");
        var shape = Shape.Broadcast(Shape.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var y = Empty(shape, a.DType, a.Device);
        y.Backend.Select(condition.BroadcastView(shape), a.BroadcastView(shape), b.BroadcastView(shape), y);
        return Autograd.Record(y, "Where", a, b, condition, static (n, g) =>
        {
            var c = n.State<Tensor>();
            return
            [
                n.NeedsGrad(0) ? Where(c, g, 0.0).SumTo(n.Input(0).Shape) : null,
                n.NeedsGrad(1) ? Where(c, 0.0, g).SumTo(n.Input(1).Shape) : null,
            ];
        });
    }

    /// <summary>Where with a scalar for the false branch.</summary>
    public static Tensor Where(Tensor condition, Tensor a, double b) => Where(condition, a, a.ScalarLike(b, "Where"));
    /// <summary>Where with a scalar for the true branch.</summary>
    public static Tensor Where(Tensor condition, double a, Tensor b) => Where(condition, b.ScalarLike(a, "Where"), b);

    // ---- unary math and activations ----

    /// <summary>|x|.</summary>
    public Tensor Abs() => DType.IsFloating()
        ? Autograd.Record(Unary(UnaryOp.Abs, "Abs"), "Abs", this, static (n, g) => [g * n.Input(0).Sign()])
        : Where(this < 0, -this, this);
    /// <summary>√x.</summary>
    public Tensor Sqrt() => Autograd.Record(Unary(UnaryOp.Sqrt, "Sqrt"), "Sqrt", this, static (n, g) => [g / (n.Output * 2.0)]);
    /// <summary>x².</summary>
    public Tensor Square() => DType.IsFloating()
        ? Autograd.Record(Unary(UnaryOp.Square, "Square"), "Square", this, static (n, g) => [g * (n.Input(0) * 2.0)])
        : this * this;
    /// <summary>1/x.</summary>
    public Tensor Reciprocal() => Autograd.Record(Unary(UnaryOp.Reciprocal, "Reciprocal"), "Reciprocal", this, static (n, g) => [-(g * n.Output.Square())]);
    /// <summary>eˣ.</summary>
    public Tensor Exp() => Autograd.Record(Unary(UnaryOp.Exp, "Exp"), "Exp", this, static (n, g) => [g * n.Output]);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Autograd.Record(Unary(UnaryOp.Log, "Log"), "Log", this, static (n, g) => [g / n.Input(0)]);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Autograd.Record(Unary(UnaryOp.Tanh, "Tanh"), "Tanh", this, static (n, g) => [g * (1.0 - n.Output.Square())]);
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Autograd.Record(Unary(UnaryOp.Sigmoid, "Sigmoid"), "Sigmoid", this, static (n, g) => [g * (n.Output * (1.0 - n.Output))]);
    /// <summary>max(x, 0); the gradient at 0 is 0.</summary>
    /// <remarks>The gradient mask is sign(relu(x)) ∈ {0, 1}: two streaming ops, cheaper than a compare and a select.</remarks>
    public Tensor Relu() => Autograd.Record(Unary(UnaryOp.Relu, "Relu"), "Relu", this, static (n, g) => [MaskPositive(g, n.Output)]);

    /// <summary>g where <paramref name="mask"/> &gt; 0, else 0, in one pass (the ReLU gradient).</summary>
    internal static Tensor MaskPositive(Tensor g, Tensor mask) => Binary(BinaryOp.MaskPositive, g, mask, "MaskPositive");
    /// <summary>x for x &gt; 0, else slope·x.</summary>
    public Tensor LeakyRelu(double slope = 0.01) => Autograd.Record(Unary(UnaryOp.LeakyRelu, "LeakyRelu", slope), "LeakyRelu", this, slope,
        static (n, g) => [Where(n.Input(0) > 0, g, g * n.State<double>())]);
    /// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
    public Tensor Elu(double alpha = 1.0) => Autograd.Record(Unary(UnaryOp.Elu, "Elu", alpha), "Elu", this, alpha,
        static (n, g) => [Where(n.Input(0) > 0, g, g * (n.Output + n.State<double>()))]);
    /// <summary>x·Φ(x) with the exact erf form, or the tanh approximation when <paramref name="approximate"/>.</summary>
    public Tensor Gelu(bool approximate = false) => approximate
        ? Autograd.Record(Unary(UnaryOp.GeluTanh, "Gelu"), "Gelu", this, static (n, g) => [g * GeluTanhDerivative(n.Input(0))])
        : Autograd.Record(Unary(UnaryOp.Gelu, "Gelu"), "Gelu", this, static (n, g) => [g * GeluDerivative(n.Input(0), n.Output)]);
    /// <summary>log(1 + eˣ), computed stably.</summary>
    public Tensor Softplus() => Autograd.Record(Unary(UnaryOp.Softplus, "Softplus"), "Softplus", this, static (n, g) => [g * n.Input(0).Sigmoid()]);
    /// <summary>x·sigmoid(x) (also called swish).</summary>
    public Tensor Silu() => Autograd.Record(Unary(UnaryOp.Silu, "Silu"), "Silu", this, static (n, g) =>
    {
        var x = n.Input(0);
        var s = x.Sigmoid();
        return [g * (s * (1.0 + x * (1.0 - s)))];
    });
    /// <summary>−1, 0 or 1 by the sign of x (its gradient is zero).</summary>
    public Tensor Sign() => Autograd.Record(Unary(UnaryOp.Sign, "Sign"), "Sign", this, static (n, g) => [ZerosLike(g)]);
    /// <summary>Limits every element to [min, max]; the gradient passes where min ≤ x ≤ max.</summary>
    public Tensor Clamp(double min, double max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}.");
        if (!DType.IsFloating()) return Maximum(min).Minimum(max);
        return Autograd.Record(Unary(UnaryOp.Clamp, "Clamp", min, max), "Clamp", this, (min, max), static (n, g) =>
        {
            var (lo, hi) = n.State<(double, double)>();
            var x = n.Input(0);
            return [Where(x < lo, 0.0, Where(x > hi, 0.0, g))];
        });
    }

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x); Φ is recovered as gelu(x)/x (½ at 0), there being no erf primitive.</summary>
    private static Tensor GeluDerivative(Tensor x, Tensor y)
    {
        var cdf = Where(x.Eq(0.0), 0.5, y / x);
        var pdf = (x.Square() * -0.5).Exp() * (1 / Math.Sqrt(2 * Math.PI));
        return cdf + x * pdf;
    }

    /// <summary>Derivative of 0.5·x·(1 + tanh(c·(x + k·x³))).</summary>
    private static Tensor GeluTanhDerivative(Tensor x)
    {
        const double k = 0.044715;
        double c = Math.Sqrt(2 / Math.PI);
        var x2 = x.Square();
        var t = (x * (1.0 + x2 * k) * c).Tanh();
        return (1.0 + t) * 0.5 + x * (1.0 - t.Square()) * (c * 0.5) * (1.0 + x2 * (3 * k));
    }

    // ---- dispatch ----

    private Tensor Unary(UnaryOp op, string name, double alpha = 0, double beta = 0)
    {
        RequireFloating(DType, name);
        var y = Empty(Shape, DType, Device);
        Backend.Unary(op, this, y, alpha, beta);
        return y;
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name)
    {
        CheckPair(a, b, name);
        if (a.DType == DType.Bool) throw new ArgumentException($"{name}: arithmetic on bool tensors is not supported ({a.Describe()}); convert with To(DType.Int32) first.");
        if (op == BinaryOp.Pow) RequireFloating(a.DType, name);
        var shape = Shape.Broadcast(a.Shape, b.Shape, name);
        var y = Empty(shape, a.DType, a.Device);
        y.Backend.Binary(op, a.BroadcastView(shape), b.BroadcastView(shape), y);
        if (!Autograd.ShouldRecord(a, b)) return y;
        return Autograd.Record(y, name, a, b, op switch
        {
            BinaryOp.Add => AddGrad,
            BinaryOp.Sub => SubGrad,
            BinaryOp.Mul => MulGrad,
            BinaryOp.Div => DivGrad,
            BinaryOp.Pow => PowGrad,
            BinaryOp.Max => MaximumGrad,
            BinaryOp.Min => MinimumGrad,
            _ => MaskPositiveGrad,
        });
    }

    // Gradient rules of the binary ops: each input's share, summed back over the axes it was broadcast on.

    private static Tensor?[] MaskPositiveGrad(GradNode n, Tensor g) =>
        [n.NeedsGrad(0) ? MaskPositive(g, n.Input(1)).SumTo(n.Input(0).Shape) : null, null];

    private static Tensor?[] AddGrad(GradNode n, Tensor g) =>
        [n.NeedsGrad(0) ? g.SumTo(n.Input(0).Shape) : null, n.NeedsGrad(1) ? g.SumTo(n.Input(1).Shape) : null];

    private static Tensor?[] SubGrad(GradNode n, Tensor g) =>
        [n.NeedsGrad(0) ? g.SumTo(n.Input(0).Shape) : null, n.NeedsGrad(1) ? (-g).SumTo(n.Input(1).Shape) : null];

    private static Tensor?[] MulGrad(GradNode n, Tensor g)
    {
        Tensor a = n.Input(0), b = n.Input(1);
        return [n.NeedsGrad(0) ? (g * b).SumTo(a.Shape) : null, n.NeedsGrad(1) ? (g * a).SumTo(b.Shape) : null];
    }

    private static Tensor?[] DivGrad(GradNode n, Tensor g)
    {
        Tensor a = n.Input(0), b = n.Input(1);
        return [n.NeedsGrad(0) ? (g / b).SumTo(a.Shape) : null, n.NeedsGrad(1) ? (-(g * n.Output) / b).SumTo(b.Shape) : null];
    }

    /// <summary>∂(aᵇ)/∂a = b·aᵇ⁻¹; ∂(aᵇ)/∂b = aᵇ·ln a, taken as 0 where a ≤ 0 (as PyTorch does at a = 0).</summary>
    private static Tensor?[] PowGrad(GradNode n, Tensor g)
    {
        Tensor a = n.Input(0), b = n.Input(1);
        return
        [
            n.NeedsGrad(0) ? (g * b * a.Pow(b - 1.0)).SumTo(a.Shape) : null,
            n.NeedsGrad(1) ? Where(a > 0, g * n.Output * a.Log(), 0.0).SumTo(b.Shape) : null,
        ];
    }

    /// <summary>The larger input takes the gradient; on ties each input takes half (as PyTorch does).</summary>
    private static Tensor?[] MaximumGrad(GradNode n, Tensor g) => ExtremeGrad(n, g, n.Input(0).Gt(n.Input(1)));

    private static Tensor?[] MinimumGrad(GradNode n, Tensor g) => ExtremeGrad(n, g, n.Input(0).Lt(n.Input(1)));

    private static Tensor?[] ExtremeGrad(GradNode n, Tensor g, Tensor aWins)
    {
        Tensor a = n.Input(0), b = n.Input(1);
        var share = aWins.To(a.DType) + a.Eq(b).To(a.DType) * 0.5;
        var ga = g * share;
        return [n.NeedsGrad(0) ? ga.SumTo(a.Shape) : null, n.NeedsGrad(1) ? (g - ga).SumTo(b.Shape) : null];
    }

    private static Tensor Compare(CompareOp op, Tensor a, Tensor b, string name)
    {
        CheckPair(a, b, name);
        var shape = Shape.Broadcast(a.Shape, b.Shape, name);
        var y = Empty(shape, DType.Bool, a.Device);
        y.Backend.Compare(op, a.BroadcastView(shape), b.BroadcastView(shape), y);
        return y;
    }

    /// <summary>A scalar tensor of this tensor's dtype and device; throws if the value does not fit an integer dtype.</summary>
    private Tensor ScalarLike(double value, string op)
    {
        if (DType == DType.Int32 && (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue))
            throw new ArgumentException($"{op}: the scalar {value} is not an int32 value, but the tensor is int32 {Shape}; convert the tensor with To(DType.Float32) first.");
        return Scalar(value, DType, Device);
    }

    private static void CheckPair(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtype mismatch, {a.Describe()} and {b.Describe()}; convert one with To(DType).");
        CheckDevice(a, b, op);
    }

    private static void CheckDevice(Tensor a, Tensor b, string op)
    {
        if (!a.Device.Equals(b.Device))
            throw new ArgumentException($"{op}: tensors are on different devices ({a.Device} and {b.Device}); move one with To(device).");
    }
}
