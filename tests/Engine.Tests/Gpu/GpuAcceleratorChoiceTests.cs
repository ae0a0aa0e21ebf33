using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using Xunit.Abstractions;

namespace Engine.Tests.Gpu;

/// <summary>The GPU tests run on the accelerator <c>ENGINE_TEST_GPU</c> asks for, and say which one it is.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuAcceleratorChoiceTests(SimulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void TheFixtureUsesTheRequestedAccelerator()
    {
        var accelerator = fixture.Accelerator;
        output.WriteLine($"GPU tests run on {accelerator.AcceleratorType} '{accelerator.Name}' "
            + $"(warp {accelerator.WarpSize}, {accelerator.MaxNumThreadsPerGroup} threads per group, "
            + $"{accelerator.MemorySize} bytes); {SimulatorFixture.Variable}="
            + $"'{Environment.GetEnvironmentVariable(SimulatorFixture.Variable)}'");
        Assert.Equal(SimulatorFixture.RequestedKind(), accelerator.AcceleratorType);
        Assert.Equal(fixture.Requested, accelerator.AcceleratorType);
        if (fixture.IsSimulator)
        {
            Assert.Equal(32, accelerator.WarpSize);
            Assert.Equal(1024, accelerator.MaxNumThreadsPerGroup);
        }
    }

    [Fact]
    public void AskingForAMissingDeviceNamesWhatIsMissing()
    {
        using var context = GpuAccelerators.CreateSimulatorContext();
        var error = Assert.Throws<InvalidOperationException>(() => GpuAccelerators.CreateAccelerator(context, AcceleratorType.OpenCL));
        Assert.Contains("no OpenCL device #0 (0 found)", error.Message);
        Assert.Contains("OpenCL", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => GpuAccelerators.CreateAccelerator(context, AcceleratorType.CPU, index: 1));
        Assert.Contains("no CPU device #1 (1 found)", error.Message);
    }

    [Fact]
    public void AnUnknownDeviceKindIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuAccelerators.CreateContext((AcceleratorType)99));
}
