using System.Reflection;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The three implicit-GEMM convolution kernels compile for the real GPU backends with no device present: to PTX
/// and to OpenCL C for a device without subgroups (like PoCL), with shared-memory tiles and barriers and no warp
/// shuffles or subgroup calls, which the CPU simulator would not notice.
/// </summary>
// Never alongside the device tests: compiling the same kernels in a second ILGPU context at the same time is the
// suspect in one CI run on PoCL whose convolution input gradients came out wrong in float (not reproduced in six runs).
[Collection(nameof(GpuSimulator))]
public sealed class GpuConvolutionBackendTests
{
    /// <summary>Each pass in each element type.</summary>
    public static TheoryData<string, string> Kernels() => new()
    {
        { "ForwardPass`1", "float" },
        { "ForwardPass`1", "double" },
        { "BackwardDataPass`1", "float" },
        { "BackwardWeightPass`1", "double" },
    };

    /// <summary>PTX for sm_70: shared memory and bar.sync, no shuffles, no local-memory arrays.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string pass, string element)
    {
        using var compiler = new KernelCompiler();
        string ptx = compiler.Ptx(EntryPoint(pass, element));
        Assert.Contains(".entry", ptx);
        Assert.Contains(element == "float" ? ".f32" : ".f64", ptx);
        Assert.Contains(".shared", ptx);
        Assert.Contains("bar.sync", ptx);
        Assert.DoesNotContain("shfl", ptx);
        // The 4×4 accumulators and the decoded column stay in registers.
        Assert.DoesNotContain(".local", ptx);
    }

    /// <summary>OpenCL C for a device with doubles but no subgroups: local memory, barriers, no sub_group calls.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToOpenClWithoutSubgroups(string pass, string element)
    {
        using var compiler = new KernelCompiler();
        string source = compiler.OpenCl(EntryPoint(pass, element));
        Assert.Contains("kernel", source);
        Assert.Contains("work_group_barrier", source);
        Assert.Contains($"local {element}", source);
        Assert.DoesNotContain("sub_group", source);
    }

    private static EntryPointDescription EntryPoint(string pass, string element)
    {
        Type elementType = element == "float" ? typeof(float) : typeof(double);
        Type passType = typeof(GpuConvolution).Assembly.GetType($"Engine.Kernels.Gpu.{pass}", throwOnError: true)!
            .MakeGenericType(elementType);
        MethodInfo method = typeof(ImplicitGemmKernel).GetMethod(nameof(ImplicitGemmKernel.Run), BindingFlags.Public | BindingFlags.Static)!
            .MakeGenericMethod(elementType, passType);
        return EntryPointDescription.FromExplicitlyGroupedKernel(method);
    }
}
