using System.Reflection;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The pooling, upsampling and normalisation kernels compile for the real GPU backends with no device present: to
/// PTX (CUDA) and to OpenCL C for a device without subgroups (like PoCL). The group-per-channel/row kernels use
/// shared memory and barriers; none uses subgroups.
/// </summary>
// Never alongside the device tests: compiling the same kernels in a second ILGPU context at the same time is the
// suspect in one CI run on PoCL whose convolution input gradients came out wrong in float (not reproduced in six runs).
[Collection(nameof(GpuSimulator))]
public sealed class GpuPoolingNormalizationBackendTests
{
    /// <summary>Kernel class, method, and whether it is launched with explicit groups (shared memory, barriers).</summary>
    public static TheoryData<string, string, bool> Kernels() => new()
    {
        { "Pooling", "MaxForwardKernel", false },
        { "Pooling", "MaxBackwardKernel", false },
        { "Pooling", "AvgForwardKernel", false },
        { "Pooling", "AvgBackwardKernel", false },
        { "Upsample", "ForwardKernel", false },
        { "Upsample", "BackwardKernel", false },
        { "Normalization", "BatchStatisticsKernel", true },
        { "Normalization", "BatchForwardKernel", false },
        { "Normalization", "BatchBackwardKernel", true },
        { "Normalization", "LayerForwardKernel", true },
        { "Normalization", "LayerBackwardRowsKernel", true },
        { "Normalization", "LayerBackwardColumnsKernel", true },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToPtx(string family, string kernel, bool grouped)
    {
        using var compiler = new KernelCompiler();
        foreach (bool single in new[] { true, false })
        {
            string ptx = compiler.Ptx(EntryPoint(family, kernel, single, grouped));
            Assert.Contains(".entry", ptx);
            Assert.Contains(single ? ".f32" : ".f64", ptx);
            // The float kernels need no double support (GPUs without fast fp64 run them at full speed).
            if (single) Assert.DoesNotContain(".f64", ptx);
            Assert.Equal(grouped, ptx.Contains(".shared"));
            Assert.Equal(grouped, ptx.Contains("bar.sync"));
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesToOpenClWithoutSubgroups(string family, string kernel, bool grouped)
    {
        using var compiler = new KernelCompiler();
        foreach (bool single in new[] { true, false })
        {
            string source = compiler.OpenCl(EntryPoint(family, kernel, single, grouped));
            Assert.Contains("kernel", source);
            Assert.Equal(grouped, source.Contains("work_group_barrier"));
            Assert.DoesNotContain("sub_group", source);
            Assert.DoesNotContain("atomic", source);
        }
    }

    private static EntryPointDescription EntryPoint(string family, string kernel, bool single, bool grouped)
    {
        Type open = family switch
        {
            "Pooling" => typeof(PoolingKernels<,,>),
            "Upsample" => typeof(UpsampleKernels<,,>),
            _ => typeof(NormalizationKernels<,,>),
        };
        Type type = single ? open.MakeGenericType(typeof(float), typeof(GpuFloatMath), typeof(GpuFloatCounts)) : open.MakeGenericType(typeof(double), typeof(GpuDoubleMath), typeof(GpuDoubleCounts));
        MethodInfo method = type.GetMethod(kernel, BindingFlags.NonPublic | BindingFlags.Static)!;
        return grouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
    }
}
