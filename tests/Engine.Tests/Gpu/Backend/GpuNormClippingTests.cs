using Engine.Backends.Gpu;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// <see cref="Engine.Backends.IBackend.ClipByNorm"/> on the GPU (factor computed on the device, never read back)
/// equals the CPU's, for one tensor (clipnorm) and for several (global_clipnorm), norms above and below the limit,
/// float and double, odd lengths including 1. Tensors are tiny: the simulator is slow.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuNormClippingTests
{
    private static readonly int[] Lengths = [1, 7, 300, 513];

    private static GpuBackend Backend => (GpuBackend)GpuTestDevice.Device.Backend;

    /// <summary>Limits below the joint norm (≈ 15 for these lengths) and above it; float and double.</summary>
    public static TheoryData<DType, double> Cases() => new()
    {
        { DType.Float32, 0.5 }, { DType.Float32, 100 }, { DType.Float64, 0.5 }, { DType.Float64, 100 }, { DType.Float32, 11 },
    };

    private static Tensor[] Gradients(DType dtype, ulong seed)
    {
        var generator = new Generator(seed);
        return [.. Lengths.Select(n => Tensor.Uniform(new Shape(n), -1, 1, dtype, generator))];
    }

    /// <summary>All tensors clipped together, as global_clipnorm does.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GlobalClippingEqualsTheCpus(DType dtype, double limit)
    {
        var cpu = Gradients(dtype, seed: 3);
        var gpu = cpu.Select(t => t.To(GpuTestDevice.Device)).ToArray();
        var before = cpu.Select(t => t.ToDoubles()).ToArray();
        cpu[0].Backend.ClipByNorm(cpu, limit);
        Backend.ClipByNorm(gpu, limit);
        double norm = Math.Sqrt(before.Sum(v => v.Sum(x => x * x)));
        for (int i = 0; i < cpu.Length; i++) AssertNear(cpu[i].ToDoubles(), gpu[i].ToDoubles(), dtype, $"tensor {i}, limit {limit}");
        AssertClippedTo(gpu, before, norm, limit, dtype);
    }

    /// <summary>Each tensor clipped on its own, as clipnorm does: the length-1 tensor too.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ClippingOneTensorEqualsTheCpus(DType dtype, double limit)
    {
        foreach (var cpu in Gradients(dtype, seed: 4))
        {
            var gpu = cpu.To(GpuTestDevice.Device);
            var before = cpu.ToDoubles();
            cpu.Backend.ClipByNorm([cpu], limit);
            Backend.ClipByNorm([gpu], limit);
            AssertNear(cpu.ToDoubles(), gpu.ToDoubles(), dtype, $"n={cpu.NumElements}, limit {limit}");
            AssertClippedTo([gpu], [before], Math.Sqrt(before.Sum(x => x * x)), limit, dtype);
        }
    }

    /// <summary>Clipping queues its kernels and reads nothing back; the same input gives the same bits every time.</summary>
    [Fact]
    public void ClippingDoesNotReadTheDeviceAndIsDeterministic()
    {
        var source = Gradients(DType.Float32, seed: 5);
        float[][] Run()
        {
            var gpu = source.Select(t => t.To(GpuTestDevice.Device)).ToArray();
            long reads = Backend.DeviceToHostReads, waits = Backend.HostSynchronizations;
            Backend.ClipByNorm(gpu, 0.75);
            Assert.Equal((reads, waits), (Backend.DeviceToHostReads, Backend.HostSynchronizations));
            return [.. gpu.Select(t => t.ToArray<float>())];
        }
        var first = Run();
        Assert.Equal(first, Run());
    }

    /// <summary>An unusable limit or tensor is refused, naming the op.</summary>
    [Fact]
    public void BadArgumentsAreRefused()
    {
        var gpu = Tensor.Ones(new Shape(3)).To(GpuTestDevice.Device);
        Assert.Contains("ClipByNorm", Assert.Throws<ArgumentOutOfRangeException>(() => Backend.ClipByNorm([gpu], 0)).Message);
        Assert.Contains("ClipByNorm", Assert.Throws<ArgumentOutOfRangeException>(() => Backend.ClipByNorm([gpu], double.NaN)).Message);
        var ints = Tensor.FromArray(new[] { 1, 2 }).To(GpuTestDevice.Device);
        Assert.Contains("tensor 1", Assert.Throws<ArgumentException>(() => Backend.ClipByNorm([gpu, ints], 1)).Message);
        var strided = Tensor.Ones(new Shape(4, 4)).To(GpuTestDevice.Device).Transpose(0, 1);
        Assert.Contains("ClipByNorm", Assert.Throws<ArgumentException>(() => Backend.ClipByNorm([strided], 1)).Message);
    }

    private static void AssertNear(double[] cpu, double[] gpu, DType dtype, string what)
    {
        double tolerance = dtype == DType.Float32 ? 1e-6 : 1e-14;
        for (int i = 0; i < cpu.Length; i++)
            Assert.True(Math.Abs(cpu[i] - gpu[i]) <= tolerance * Math.Max(1, Math.Abs(cpu[i])), $"{what}, element {i}: GPU {gpu[i]}, CPU {cpu[i]}");
    }

    /// <summary>Above the limit the joint norm becomes the limit; within it nothing changes, bit for bit.</summary>
    private static void AssertClippedTo(Tensor[] clipped, double[][] before, double norm, double limit, DType dtype)
    {
        double after = Math.Sqrt(clipped.Sum(t => t.ToDoubles().Sum(x => x * x)));
        if (norm <= limit)
            for (int i = 0; i < clipped.Length; i++) Assert.Equal(before[i], clipped[i].ToDoubles());
        else
            Assert.True(Math.Abs(after - limit) <= (dtype == DType.Float32 ? 1e-5 : 1e-12) * limit, $"norm {norm} clipped to {after}, limit {limit}");
    }
}
