using System.Reflection;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The GEMM kernels compile for the real GPU backends, with no device present: to PTX (CUDA) and to OpenCL C
/// for a device without subgroups or generic address space (like PoCL). The CPU simulator runs kernels as
/// .NET code, so it would not notice a construct only the GPU backends reject.
/// </summary>
// Never alongside the device tests: compiling the same kernels in a second ILGPU context at the same time is the
// suspect in one CI run on PoCL whose convolution input gradients came out wrong in float (not reproduced in six runs).
[Collection(nameof(GpuSimulator))]
public sealed class GpuGemmBackendTests
{
    /// <summary>The kernels and how they are launched.</summary>
    public static TheoryData<string, string, bool> Kernels() => new()
    {
        { nameof(BlockedGemmKernel), "float", true },
        { nameof(BlockedGemmKernel), "double", true },
        { nameof(TiledGemmKernel), "float", true },
        { nameof(TiledGemmKernel), "double", true },
        { nameof(ReferenceGemmKernel), "float", false },
        { nameof(ReferenceGemmKernel), "double", false },
    };

    /// <summary>
    /// PTX for sm_70: the tiled kernels' slices in shared memory with barriers, no local-memory arrays, and the
    /// blocked kernel's vector loads.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string kernel, string element, bool tiled)
    {
        using var compiler = new KernelCompiler();
        string ptx = compiler.Ptx(EntryPoint(kernel, element, tiled));
        Assert.Contains(".entry", ptx);
        Assert.Contains(element == "float" ? ".f32" : ".f64", ptx);
        Assert.Equal(tiled, ptx.Contains(".shared"));
        Assert.Equal(tiled, ptx.Contains("bar.sync"));
        // The 4×4 accumulators and the loaded A and B values stay in registers: nothing is put in local memory.
        Assert.DoesNotContain(".local", ptx);
        if (kernel == nameof(BlockedGemmKernel))
        {
            // The blocked kernel's 4-wide runs compile to vector loads: global (generic address space) and shared.
            string vector = element == "float" ? ".v4.f32" : ".v2.f64";
            Assert.Contains("ld" + vector, ptx);
            Assert.Contains("ld.shared" + vector, ptx);
            Assert.Contains("st.shared" + vector, ptx);
        }
    }

    /// <summary>OpenCL C for a device with doubles but no subgroups, with local memory and barriers in the tiled kernel.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToOpenClWithoutSubgroups(string kernel, string element, bool tiled)
    {
        using var compiler = new KernelCompiler();
        string source = compiler.OpenCl(EntryPoint(kernel, element, tiled));
        Assert.Contains("kernel", source);
        Assert.Equal(tiled, source.Contains("work_group_barrier"));
        Assert.Equal(tiled, source.Contains("local float") || source.Contains("local double"));
        Assert.DoesNotContain("sub_group", source);
    }

    private static EntryPointDescription EntryPoint(string kernel, string element, bool tiled)
    {
        Type kernelType = kernel switch
        {
            nameof(BlockedGemmKernel) => typeof(BlockedGemmKernel),
            nameof(TiledGemmKernel) => typeof(TiledGemmKernel),
            _ => typeof(ReferenceGemmKernel),
        };
        MethodInfo method = kernelType.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!
            .MakeGenericMethod(element == "float" ? typeof(float) : typeof(double));
        return tiled
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
    }
}
