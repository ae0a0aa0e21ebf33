using Engine.Kernels.Cpu;

namespace Engine.Tests.Kernels;

/// <summary>The instruction-set paths a kernel test runs: scalar, AVX2 where the CPU has it, and AVX-512 (emulated where missing).</summary>
internal static class IsaPaths
{
    /// <summary>Every path that executes on this machine.</summary>
    public static readonly CpuIsa[] Executable = IsaDispatch.Avx2Supported
        ? [CpuIsa.Scalar, CpuIsa.Avx2, CpuIsa.Avx512]
        : [CpuIsa.Scalar, CpuIsa.Avx512];
}
