namespace Engine.Kernels.Cpu;

/// <summary>An instruction-set path that the CPU kernels can take.</summary>
public enum CpuIsa
{
    /// <summary>Plain scalar C#: the reference every vector path is tested against.</summary>
    Scalar = 0,
    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA3).</summary>
    Avx2 = 1,
    /// <summary>512-bit vectors (AVX-512F), written with <c>Vector512&lt;T&gt;</c> so it also runs in software.</summary>
    Avx512 = 2,
}
