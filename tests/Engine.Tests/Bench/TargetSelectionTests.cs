using Engine.Bench;
using Engine.Kernels.Cpu;
using Engine.Tensors;
using Xunit;

namespace Engine.Tests.Bench;

public class TargetSelectionTests
{
    private static readonly IReadOnlyList<(DeviceKind, int)> OneCudaOneOpenCl = [(DeviceKind.Cuda, 0), (DeviceKind.OpenCL, 0)];

    [Fact]
    public void DefaultIsTheCpuOnTheDetectedPath()
    {
        var notes = new List<string>();
        var isas = TargetSelection.ParseIsas(null, [CpuIsa.Scalar, CpuIsa.Avx2], CpuIsa.Avx2, notes);
        var targets = TargetSelection.Resolve(TargetSelection.ParseDevices(null), isas, OneCudaOneOpenCl, notes);
        Assert.Equal([(DeviceKind.Cpu, 0, (CpuIsa?)CpuIsa.Avx2)], targets);
        Assert.Empty(notes);
    }

    [Fact]
    public void AllIsasAreTheHardwarePathsOnlyAndAnEmulatedAvx512IsSkippedWithANote()
    {
        var notes = new List<string>();
        var hardware = TargetSelection.HardwareIsas(avx2: true, avx512: false);
        Assert.Equal([CpuIsa.Scalar, CpuIsa.Avx2], TargetSelection.ParseIsas("all", hardware, CpuIsa.Avx2, notes));
        Assert.Contains(notes, n => n.StartsWith("isa all", StringComparison.Ordinal));
        notes.Clear();
        Assert.Equal([CpuIsa.Scalar], TargetSelection.ParseIsas("scalar,avx512", hardware, CpuIsa.Avx2, notes));
        Assert.Contains(notes, n => n.Contains("avx512", StringComparison.Ordinal));
        Assert.Equal([CpuIsa.Scalar, CpuIsa.Avx2, CpuIsa.Avx512], TargetSelection.HardwareIsas(avx2: true, avx512: true));
    }

    [Fact]
    public void AllDevicesAreTheCpuAndEveryGpuFoundButNeverTheSimulator()
    {
        var notes = new List<string>();
        var targets = TargetSelection.Resolve(TargetSelection.ParseDevices("all"), [CpuIsa.Scalar],
            [(DeviceKind.Cuda, 0), (DeviceKind.Cuda, 1), (DeviceKind.OpenCL, 0)], notes);
        Assert.Equal([(DeviceKind.Cpu, 0, (CpuIsa?)CpuIsa.Scalar), (DeviceKind.Cuda, 0, null), (DeviceKind.Cuda, 1, null),
            (DeviceKind.OpenCL, 0, null)], targets);
        Assert.Empty(notes);
    }

    [Fact]
    public void NamedDevicesKeepTheirOrderAndAMissingOneBecomesANote()
    {
        var notes = new List<string>();
        var targets = TargetSelection.Resolve(TargetSelection.ParseDevices("simulator, cuda:1,opencl"), [CpuIsa.Avx2],
            OneCudaOneOpenCl, notes);
        Assert.Equal([(DeviceKind.Simulator, 0, (CpuIsa?)null), (DeviceKind.OpenCL, 0, null)], targets);
        Assert.Contains(notes, n => n.Contains("cuda:1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void BadDeviceThrowsNamingIt(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TargetSelection.ParseDevices(text));
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadIsaThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => TargetSelection.ParseIsas("sse", [CpuIsa.Scalar], CpuIsa.Scalar, []));
        Assert.Contains("sse", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuickOptionsReadDeviceAndIsa()
    {
        var options = QuickOptions.Parse(["sgemm", "--device", "cuda,cpu", "--isa", "all"]);
        Assert.Equal(("sgemm", "cuda,cpu", "all"), (options.Filter, options.Devices, options.Isas));
        Assert.Equal("cpu", QuickOptions.Parse([]).Devices);
    }

    [Fact]
    public void QuickOptionsReadTheTimingStatistic()
    {
        Assert.Equal(TimingStatistic.Median, QuickOptions.Parse([]).Statistic);
        Assert.Equal(TimingStatistic.Best, QuickOptions.Parse(["--statistic", "best"]).Statistic);
        var e = Assert.Throws<ArgumentException>(() => QuickOptions.Parse(["--statistic", "mean"]));
        Assert.Contains("'mean'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuOnlyCasesAreSkippedOnTheCpuWithAReason()
    {
        var big = CaseCatalog.All().Single(c => c.Name == "sgemm-8192");
        var cpu = new BenchTarget(Device.Cpu, CpuIsa.Scalar);
        Assert.NotNull(WorkloadFactory.SkipReason(big, cpu));
        Assert.Null(WorkloadFactory.SkipReason(CaseCatalog.All().Single(c => c.Name == "sgemm-128"), cpu));
    }

    [Fact]
    public void NmseIsZeroForEqualAndRelativeOtherwise()
    {
        Assert.Equal(0, SelfCheck.Nmse([1f, -2f], [1f, -2f]));
        Assert.Equal(0.01, SelfCheck.Nmse([10f, 0f], [11f, 0f]), 12);
        Assert.Equal(double.PositiveInfinity, SelfCheck.Nmse([1f], [float.NaN]));
    }
}
