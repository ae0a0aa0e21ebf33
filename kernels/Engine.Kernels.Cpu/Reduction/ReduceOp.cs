namespace Engine.Kernels.Cpu;

/// <summary>How <see cref="Reduce"/> combines the elements along the reduced axis.</summary>
public enum ReduceOp
{
    /// <summary>Sum, computed pairwise so the rounding error grows with log(length), not length.</summary>
    Sum = 0,
    /// <summary>Largest element; a NaN anywhere makes the result NaN (PyTorch semantics).</summary>
    Max = 1,
    /// <summary>Smallest element; a NaN anywhere makes the result NaN (PyTorch semantics).</summary>
    Min = 2,
}
