namespace Engine.Kernels.Cpu;

/// <summary>Which extreme <see cref="ArgReduce"/> locates along the reduced axis.</summary>
public enum ArgReduceOp
{
    /// <summary>Index of the first largest element (the first NaN, if any).</summary>
    ArgMax = 0,
    /// <summary>Index of the first smallest element (the first NaN, if any).</summary>
    ArgMin = 1,
}
