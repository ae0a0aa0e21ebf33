using Engine.Kernels.Cpu;

namespace Engine.Tensors;

/// <summary>Process-wide settings of the engine.</summary>
public static class EngineOptions
{
    /// <summary>Number of threads the CPU kernels use (default: all cores; env ENGINE_NUM_THREADS).</summary>
    public static int Threads
    {
        get => KernelThreads.Count;
        set => KernelThreads.Count = value;
    }

    /// <summary>The instruction-set path the CPU kernels take (env ENGINE_CPU_ISA forces one).</summary>
    public static CpuIsa CpuIsa => IsaDispatch.Active;
}
