namespace Engine.Kernels.Cpu;

/// <summary>An elementwise function y = f(x; α, β) computed by <see cref="Unary"/>.</summary>
public enum UnaryOp
{
    /// <summary>y = x.</summary>
    Copy,
    /// <summary>y = −x.</summary>
    Neg,
    /// <summary>y = |x|.</summary>
    Abs,
    /// <summary>y = √x (NaN for x &lt; 0).</summary>
    Sqrt,
    /// <summary>y = x².</summary>
    Square,
    /// <summary>y = 1/x.</summary>
    Reciprocal,
    /// <summary>y = e^x.</summary>
    Exp,
    /// <summary>y = ln x (−∞ at 0, NaN below 0).</summary>
    Log,
    /// <summary>y = tanh x.</summary>
    Tanh,
    /// <summary>Logistic sigmoid y = 1/(1 + e^−x).</summary>
    Sigmoid,
    /// <summary>y = max(x, 0) (NaN stays NaN).</summary>
    Relu,
    /// <summary>y = x for x &gt; 0, α·x otherwise (α is the negative slope).</summary>
    LeakyRelu,
    /// <summary>y = x for x &gt; 0, α·(e^x − 1) otherwise.</summary>
    Elu,
    /// <summary>Exact GELU y = x·Φ(x), Φ the standard normal CDF (PyTorch/Keras default).</summary>
    Gelu,
    /// <summary>GELU, tanh approximation: y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    GeluTanh,
    /// <summary>y = log(1 + e^x), computed without overflow or cancellation.</summary>
    Softplus,
    /// <summary>SiLU / swish y = x·σ(x).</summary>
    Silu,
    /// <summary>y = min(max(x, α), β): clamp to [α, β] (NaN stays NaN).</summary>
    Clamp,
    /// <summary>y = x^α.</summary>
    PowScalar,
    /// <summary>y = −1, 0 or +1 by the sign of x (±0 and NaN kept).</summary>
    Sign,
}
