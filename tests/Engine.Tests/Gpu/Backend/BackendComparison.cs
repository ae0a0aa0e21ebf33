using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>ggml-style comparison of a tensor computed on the GPU with the same tensor computed on the CPU.</summary>
internal static class BackendComparison
{
    /// <summary>
    /// Floating tensors within <see cref="GpuComparison.AssertClose"/>'s normalised-error bound for their dtype (non-finite
    /// values equal); other dtypes exactly equal. Shapes and dtypes must match.
    /// </summary>
    public static void AssertMatches(Tensor cpu, Tensor gpu, string what)
    {
        Assert.True(cpu.Shape.Equals(gpu.Shape), $"{what}: GPU shape {gpu.Shape}, CPU shape {cpu.Shape}.");
        Assert.True(cpu.DType == gpu.DType, $"{what}: GPU dtype {gpu.DType}, CPU dtype {cpu.DType}.");
        var host = gpu.To(Device.Cpu);
        switch (cpu.DType)
        {
            case DType.Float32: GpuComparison.AssertClose(cpu.ToArray<float>(), host.ToArray<float>(), what); break;
            case DType.Float64: GpuComparison.AssertClose(cpu.ToArray<double>(), host.ToArray<double>(), what); break;
            default: GpuComparison.AssertExact(cpu.ToDoubles(), host.ToDoubles(), what); break;
        }
    }
}
