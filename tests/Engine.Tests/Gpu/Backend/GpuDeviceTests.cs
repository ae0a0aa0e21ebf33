using Engine.Backends.Gpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>The device API: finding devices, clear errors for missing ones, moving tensors, device memory.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuDeviceTests
{
    /// <summary>A device that does not exist gives an exception naming the kind, the index and what is missing.</summary>
    [Fact]
    public void MissingDevicesThrowAClearError()
    {
        var cuda = Assert.Throws<DeviceUnavailableException>(() => Device.Cuda(99));
        Assert.Contains("Cuda device 99 is not available", cuda.Message);
        Assert.Contains("NVIDIA", cuda.Message);
        var openCl = Assert.Throws<DeviceUnavailableException>(() => Device.OpenCL(99));
        Assert.Contains("OpenCL device 99 is not available", openCl.Message);
        Assert.Contains("libOpenCL.so", openCl.Message);
    }

    /// <summary>The backend tests run on the device ENGINE_TEST_GPU asks for (the simulator when unset), never a stand-in.</summary>
    [Fact]
    public void TheRequestedDeviceIsTheOneTested()
    {
        var requested = (Environment.GetEnvironmentVariable("ENGINE_TEST_GPU") ?? "simulator").ToLowerInvariant();
        var expected = requested switch { "opencl" => DeviceKind.OpenCL, "cuda" => DeviceKind.Cuda, _ => DeviceKind.Simulator };
        var device = GpuTestDevice.Device;
        Assert.Equal(expected, device.Kind);
        Assert.True(device.IsGpu);
        Assert.False(string.IsNullOrWhiteSpace(device.Name));
        Assert.True(device.MemoryBytes > 0, $"{device} ({device.Name}) reports no memory");
    }

    /// <summary>The list starts with the CPU; the default is the first CUDA device, else the first OpenCL one, else the CPU.</summary>
    [Fact]
    public void DefaultFollowsTheListOfAvailableDevices()
    {
        var available = Device.Available();
        Assert.Equal(Device.Cpu, available[0].Device);
        Assert.All(available, info => Assert.True(info.MemoryBytes > 0, $"{info} reports no memory."));
        var expected = available.FirstOrDefault(i => i.Device.Kind == DeviceKind.Cuda).Device
            ?? available.FirstOrDefault(i => i.Device.Kind == DeviceKind.OpenCL).Device
            ?? Device.Cpu;
        Assert.Equal(expected, Device.Default);
    }

    /// <summary>Every dtype goes to the GPU and back unchanged, from contiguous and strided sources.</summary>
    [Fact]
    public void TensorsRoundTripThroughTheGpu()
    {
        var gpu = GpuTestDevice.Device;
        var values = Tensor.Uniform(new Shape(5, 7), -3, 3, DType.Float64, new Generator(3));
        foreach (var t in new[] { values, values.To(DType.Float32), (values * 10).To(DType.Int32), values.Gt(0), values.Transpose(0, 1), values.Slice(1, 1, 7, 3) })
        {
            var there = t.To(gpu);
            Assert.Equal(gpu, there.Device);
            Assert.Contains($"device={gpu}", there.ToString());
            var back = there.To(Device.Cpu);
            Assert.Equal(t.DType, back.DType);
            Assert.Equal(t.ToDoubles(), back.ToDoubles());
        }
    }

    /// <summary>
    /// Matrix products use the blocked GEMM kernel by default; a benchmark may pick another one through the backend,
    /// and every one gives the CPU's product (batched and transposed too).
    /// </summary>
    [Fact]
    public void MatMulIsRightWithEveryGemmKernel()
    {
        var gpu = GpuTestDevice.Device;
        var backend = Assert.IsType<GpuBackend>(gpu.Backend);
        Assert.Equal(GpuGemmAlgorithm.Blocked, backend.GemmAlgorithm);
        var g = new Generator(17);
        var a = Tensor.Uniform(new Shape(2, 37, 20), -1, 1, DType.Float32, g);
        var b = Tensor.Uniform(new Shape(2, 29, 20), -1, 1, DType.Float32, g).Transpose(1, 2);
        double[] expected = a.MatMul(b).ToDoubles();
        try
        {
            foreach (var algorithm in Enum.GetValues<GpuGemmAlgorithm>())
            {
                backend.GemmAlgorithm = algorithm;
                double[] actual = a.To(gpu).MatMul(b.To(gpu)).To(Device.Cpu).ToDoubles();
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4, $"{algorithm}: element {i} is {actual[i]}, expected {expected[i]}");
            }
        }
        finally
        {
            backend.GemmAlgorithm = GpuGemmAlgorithm.Blocked;
        }
    }

    /// <summary>Tensors on two devices never mix implicitly: the error names both devices.</summary>
    [Fact]
    public void MixingDevicesThrows()
    {
        var gpu = GpuTestDevice.Device;
        var a = Tensor.Ones(new Shape(3));
        var b = Tensor.Ones(new Shape(3), device: gpu);
        var error = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("cpu", error.Message);
        Assert.Contains(gpu.ToString(), error.Message);
    }

    /// <summary>Disposing a GPU tensor hands its block back at once; releasing the cache frees it on the device.</summary>
    [Fact]
    public void DisposalAndCacheReleaseShowInTheStatistics()
    {
        var gpu = GpuTestDevice.Device;
        gpu.Synchronize();
        var before = gpu.MemoryStatistics;
        var t = Tensor.Zeros(new Shape(1 << 16), DType.Float32, gpu);
        Assert.True(gpu.MemoryStatistics.InUse >= before.InUse + (4 << 16), "the new tensor's bytes are not counted as in use");
        t.Dispose();
        Assert.Equal(before.InUse, gpu.MemoryStatistics.InUse);
        Assert.True(gpu.MemoryStatistics.Cached >= 4 << 16, "the disposed block was not kept for reuse");
        gpu.ReleaseCachedMemory();
        Assert.Equal(0, gpu.MemoryStatistics.Cached);
        Assert.True(gpu.MemoryStatistics.PeakInUse >= before.InUse + (4 << 16));
        Assert.Throws<ObjectDisposedException>(() => t.ToArray<float>());
    }

    /// <summary>
    /// Forgotten GPU tensors come back through the collector: a loop that never disposes its results keeps the
    /// device memory in use bounded (the GC cannot see device bytes; the backend triggers collections).
    /// </summary>
    [Fact]
    public void ForgottenTensorsDoNotAccumulate()
    {
        var gpu = GpuTestDevice.Device;
        var x = Tensor.Uniform(new Shape(16, 16), -1, 1, DType.Float32, new Generator(1), gpu);
        long budget = Engine.Backends.Gpu.GpuBackend.CollectionBudget;
        Engine.Backends.Gpu.GpuBackend.CollectionBudget = 64L << 10;
        long peak = 0, start = gpu.MemoryStatistics.InUse;
        try
        {
            for (int i = 0; i < 300; i++)
            {
                _ = (x * 1.001).Relu(); // two 1 KiB results per iteration, never disposed: 600 KiB in all
                peak = Math.Max(peak, gpu.MemoryStatistics.InUse - start);
            }
        }
        finally
        {
            Engine.Backends.Gpu.GpuBackend.CollectionBudget = budget;
        }
        Assert.True(peak < 256L << 10,
            $"device bytes in use reached {peak:N0}");
    }
}
