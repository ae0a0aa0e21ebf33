namespace Engine.Kernels.Gpu;

/// <summary>Which GPU GEMM kernel <see cref="GpuGemm"/> launches.</summary>
public enum GpuGemmAlgorithm
{
    /// <summary>Shared-memory tiled, register-blocked kernel (64×64 C tile per group, 4×4 per thread), kept to compare against.</summary>
    Tiled,

    /// <summary>One thread per C element reading A and B from global memory: the simple oracle and fallback.</summary>
    Reference,

    /// <summary>
    /// The default: 128×128 C tile per group, 8×8 per thread, double-buffered shared-memory slices and 4-wide global
    /// loads where the layout allows (<see cref="BlockedGemmKernel"/>).
    /// </summary>
    Blocked,
}
