using ILGPU.Algorithms;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The arithmetic a generic kernel needs on its element type, as instance methods of a struct: ILGPU compiles
/// constrained calls on a <c>default(TMath)</c> struct on every backend, so one generic kernel serves float and
/// double without boxing or static-abstract members.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IGpuScalarMath<T> where T : unmanaged
{
    /// <summary>The constant <paramref name="value"/> as a T.</summary>
    /// <param name="value">The constant.</param>
    T Constant(double value);
    /// <summary>a + b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    T Add(T a, T b);
    /// <summary>a − b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    T Sub(T a, T b);
    /// <summary>a·b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    T Mul(T a, T b);
    /// <summary>a / b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    T Div(T a, T b);
    /// <summary>−a.</summary>
    /// <param name="a">The operand.</param>
    T Neg(T a);
    /// <summary>|a|.</summary>
    /// <param name="a">The operand.</param>
    T Abs(T a);
    /// <summary>√a.</summary>
    /// <param name="a">The operand.</param>
    T Sqrt(T a);
    /// <summary>e^a.</summary>
    /// <param name="a">The operand.</param>
    T Exp(T a);
    /// <summary>ln a.</summary>
    /// <param name="a">The operand.</param>
    T Log(T a);
    /// <summary>tanh a.</summary>
    /// <param name="a">The operand.</param>
    T Tanh(T a);
    /// <summary>a^b.</summary>
    /// <param name="a">The base.</param>
    /// <param name="b">The exponent.</param>
    T Pow(T a, T b);
    /// <summary>Whether a is NaN.</summary>
    /// <param name="a">The operand.</param>
    bool IsNaN(T a);
    /// <summary>a == b (IEEE: false when either is NaN).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    bool Equal(T a, T b);
    /// <summary>a &lt; b (IEEE: false when either is NaN).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    bool Less(T a, T b);
    /// <summary>a ≤ b (IEEE: false when either is NaN).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    bool LessEqual(T a, T b);
}

/// <summary>float arithmetic for the generic kernels, through ILGPU.Algorithms' <see cref="XMath"/>.</summary>
public readonly struct GpuFloatMath : IGpuScalarMath<float>
{
    /// <inheritdoc/>
    public float Constant(double value) => (float)value;
    /// <inheritdoc/>
    public float Add(float a, float b) => a + b;
    /// <inheritdoc/>
    public float Sub(float a, float b) => a - b;
    /// <inheritdoc/>
    public float Mul(float a, float b) => a * b;
    /// <inheritdoc/>
    public float Div(float a, float b) => a / b;
    /// <inheritdoc/>
    public float Neg(float a) => -a;
    /// <inheritdoc/>
    public float Abs(float a) => XMath.Abs(a);
    /// <inheritdoc/>
    public float Sqrt(float a) => XMath.Sqrt(a);
    /// <inheritdoc/>
    public float Exp(float a) => XMath.Exp(a);
    /// <inheritdoc/>
    public float Log(float a) => XMath.Log(a);
    /// <inheritdoc/>
    public float Tanh(float a) => XMath.Tanh(a);
    /// <inheritdoc/>
    public float Pow(float a, float b) => XMath.Pow(a, b);
    /// <inheritdoc/>
    public bool IsNaN(float a) => XMath.IsNaN(a);
    /// <inheritdoc/>
    public bool Equal(float a, float b) => a == b;
    /// <inheritdoc/>
    public bool Less(float a, float b) => a < b;
    /// <inheritdoc/>
    public bool LessEqual(float a, float b) => a <= b;
}

/// <summary>double arithmetic for the generic kernels, through ILGPU.Algorithms' <see cref="XMath"/>.</summary>
public readonly struct GpuDoubleMath : IGpuScalarMath<double>
{
    /// <inheritdoc/>
    public double Constant(double value) => value;
    /// <inheritdoc/>
    public double Add(double a, double b) => a + b;
    /// <inheritdoc/>
    public double Sub(double a, double b) => a - b;
    /// <inheritdoc/>
    public double Mul(double a, double b) => a * b;
    /// <inheritdoc/>
    public double Div(double a, double b) => a / b;
    /// <inheritdoc/>
    public double Neg(double a) => -a;
    /// <inheritdoc/>
    public double Abs(double a) => XMath.Abs(a);
    /// <inheritdoc/>
    public double Sqrt(double a) => XMath.Sqrt(a);
    /// <inheritdoc/>
    public double Exp(double a) => XMath.Exp(a);
    /// <inheritdoc/>
    public double Log(double a) => XMath.Log(a);
    /// <inheritdoc/>
    public double Tanh(double a) => XMath.Tanh(a);
    /// <inheritdoc/>
    public double Pow(double a, double b) => XMath.Pow(a, b);
    /// <inheritdoc/>
    public bool IsNaN(double a) => XMath.IsNaN(a);
    /// <inheritdoc/>
    public bool Equal(double a, double b) => a == b;
    /// <inheritdoc/>
    public bool Less(double a, double b) => a < b;
    /// <inheritdoc/>
    public bool LessEqual(double a, double b) => a <= b;
}
