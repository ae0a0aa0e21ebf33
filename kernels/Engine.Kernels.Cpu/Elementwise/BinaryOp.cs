namespace Engine.Kernels.Cpu;

/// <summary>An elementwise function y = f(a, b) computed by <see cref="Binary"/>.</summary>
public enum BinaryOp
{
    /// <summary>y = a + b.</summary>
    Add,
    /// <summary>y = a − b.</summary>
    Sub,
    /// <summary>y = a·b.</summary>
    Mul,
    /// <summary>y = a / b (int: truncating toward zero; division by zero throws).</summary>
    Div,
    /// <summary>y = a^b (float and double only).</summary>
    Pow,
    /// <summary>y = max(a, b); NaN if either is NaN (PyTorch <c>maximum</c>).</summary>
    Max,
    /// <summary>y = min(a, b); NaN if either is NaN (PyTorch <c>minimum</c>).</summary>
    Min,
    /// <summary>y = a where b &gt; 0, else 0 (also when a is NaN): the ReLU gradient, g masked by the output, in one pass.</summary>
    MaskPositive,
}

/// <summary>An elementwise comparison computed by <see cref="Compare"/>.</summary>
public enum CompareOp
{
    /// <summary>a == b.</summary>
    Equal,
    /// <summary>a != b (the only comparison true when an operand is NaN).</summary>
    NotEqual,
    /// <summary>a &lt; b.</summary>
    Less,
    /// <summary>a ≤ b.</summary>
    LessEqual,
    /// <summary>a &gt; b.</summary>
    Greater,
    /// <summary>a ≥ b.</summary>
    GreaterEqual,
}
