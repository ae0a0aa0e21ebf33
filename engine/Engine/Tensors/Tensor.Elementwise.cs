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
    public static Tensor operator -(Tensor a) => a.DType.IsFloating() ? a.Unary(UnaryOp.Neg, "Neg") : 0 - a;

    /// <summary>Elementwise power with broadcasting.</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent, "Pow");
    /// <summary>Each element raised to <paramref name="exponent"/>.</summary>
    public Tensor Pow(double exponent) => exponent switch
    {
        1 => Clone(),
        2 => Unary(UnaryOp.Square, "Pow"),
        _ => Unary(UnaryOp.PowScalar, "Pow", exponent),
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
        y.Backend.Select(condition.BroadcastTo(shape), a.BroadcastTo(shape), b.BroadcastTo(shape), y);
        return y;
    }

    /// <summary>Where with a scalar for the false branch.</summary>
    public static Tensor Where(Tensor condition, Tensor a, double b) => Where(condition, a, a.ScalarLike(b, "Where"));
    /// <summary>Where with a scalar for the true branch.</summary>
    public static Tensor Where(Tensor condition, double a, Tensor b) => Where(condition, b.ScalarLike(a, "Where"), b);

    // ---- unary math and activations ----

    /// <summary>|x|.</summary>
    public Tensor Abs() => DType.IsFloating() ? Unary(UnaryOp.Abs, "Abs") : Where(this < 0, -this, this);
    /// <summary>√x.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, "Sqrt");
    /// <summary>x².</summary>
    public Tensor Square() => DType.IsFloating() ? Unary(UnaryOp.Square, "Square") : this * this;
    /// <summary>1/x.</summary>
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal, "Reciprocal");
    /// <summary>eˣ.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp, "Exp");
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log, "Log");
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh, "Tanh");
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, "Sigmoid");
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu, "Relu");
    /// <summary>x for x &gt; 0, else slope·x.</summary>
    public Tensor LeakyRelu(double slope = 0.01) => Unary(UnaryOp.LeakyRelu, "LeakyRelu", slope);
    /// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
    public Tensor Elu(double alpha = 1.0) => Unary(UnaryOp.Elu, "Elu", alpha);
    /// <summary>x·Φ(x) with the exact erf form, or the tanh approximation when <paramref name="approximate"/>.</summary>
    public Tensor Gelu(bool approximate = false) => Unary(approximate ? UnaryOp.GeluTanh : UnaryOp.Gelu, "Gelu");
    /// <summary>log(1 + eˣ), computed stably.</summary>
    public Tensor Softplus() => Unary(UnaryOp.Softplus, "Softplus");
    /// <summary>x·sigmoid(x) (also called swish).</summary>
    public Tensor Silu() => Unary(UnaryOp.Silu, "Silu");
    /// <summary>−1, 0 or 1 by the sign of x.</summary>
    public Tensor Sign() => Unary(UnaryOp.Sign, "Sign");
    /// <summary>Limits every element to [min, max].</summary>
    public Tensor Clamp(double min, double max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}.");
        return DType.IsFloating() ? Unary(UnaryOp.Clamp, "Clamp", min, max) : Maximum(min).Minimum(max);
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
        y.Backend.Binary(op, a.BroadcastTo(shape), b.BroadcastTo(shape), y);
        return y;
    }

    private static Tensor Compare(CompareOp op, Tensor a, Tensor b, string name)
    {
        CheckPair(a, b, name);
        var shape = Shape.Broadcast(a.Shape, b.Shape, name);
        var y = Empty(shape, DType.Bool, a.Device);
        y.Backend.Compare(op, a.BroadcastTo(shape), b.BroadcastTo(shape), y);
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
