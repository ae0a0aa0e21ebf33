using Engine.Backends.Gpu;
using Engine.Bench;
using Engine.Kernels.Gpu;
using Engine.Tensors;
using Engine.Tests.Gpu;
using Engine.Tests.Gpu.Backend;
using Xunit;

namespace Engine.Tests.Bench;

/// <summary>The GPU SGEMM cases compare the GEMM kernels: each large size with the default and with the tiled kernel.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuGemmCaseTests
{
    /// <summary>Every GPU-only size has a tiled twin of the same shape; the plain case leaves the backend's default.</summary>
    [Fact]
    public void EveryGpuSizeHasATiledTwin()
    {
        var cases = CaseCatalog.All();
        foreach (int size in CaseCatalog.GpuSquareSizes)
        {
            var plain = Assert.Single(cases, c => c.Name == $"sgemm-{size}");
            var tiled = Assert.Single(cases, c => c.Name == $"sgemm-{size}-tiled");
            Assert.Null(plain.GemmAlgorithm);
            Assert.Equal(GpuGemmAlgorithm.Tiled, tiled.GemmAlgorithm);
            Assert.Equal(plain.Gemm, tiled.Gemm);
            Assert.True(tiled.GpuOnly, $"{tiled.Name} must not run on the CPU");
        }
    }

    /// <summary>A workload that names a kernel computes the product with it and leaves the backend's choice as it was.</summary>
    [Fact]
    public void NamedKernelIsUsedForTheCallOnly()
    {
        var device = GpuTestDevice.Device;
        var backend = Assert.IsType<GpuBackend>(device.Backend);
        backend.GemmAlgorithm = GpuGemmAlgorithm.Reference;
        try
        {
            using var workload = new DeviceGemmWorkload(device, new GemmShape(5, 7, 6), DType.Float32, GpuGemmAlgorithm.Tiled);
            workload.Run();
            Assert.Equal(GpuGemmAlgorithm.Reference, backend.GemmAlgorithm);
        }
        finally
        {
            backend.GemmAlgorithm = GpuGemmAlgorithm.Blocked;
        }
    }
}
