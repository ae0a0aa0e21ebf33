using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Dispatch;

/// <summary>The run-time choice of instruction-set path, and forcing each path.</summary>
[Collection(nameof(GlobalKernelSettings))]
public class IsaDispatchTests
{
    public static TheoryData<CpuIsa> ExecutablePaths()
    {
        var paths = new TheoryData<CpuIsa> { CpuIsa.Scalar, CpuIsa.Avx512 };
        if (IsaDispatch.Avx2Supported) paths.Add(CpuIsa.Avx2);
        return paths;
    }

    [Fact]
    public void DetectionFollowsTheHardwareAndTheRuntimeSwitches()
    {
        bool avx2Off = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0";
        if (avx2Off)
        {
            Assert.False(IsaDispatch.Avx2Supported);
            Assert.Equal(CpuIsa.Scalar, IsaDispatch.Detected);
        }
        else if (IsaDispatch.Avx512Accelerated) Assert.Equal(CpuIsa.Avx512, IsaDispatch.Detected);
        else if (IsaDispatch.Avx2Supported) Assert.Equal(CpuIsa.Avx2, IsaDispatch.Detected);
        var forced = Environment.GetEnvironmentVariable(IsaDispatch.EnvironmentVariable);
        if (string.IsNullOrEmpty(forced)) Assert.Equal(IsaDispatch.Detected, IsaDispatch.Active);
    }

    /// <summary>Forcing a path makes every kernel family take it (each entry records the path it took).</summary>
    [Theory]
    [MemberData(nameof(ExecutablePaths))]
    public void ForcingAPathMakesTheKernelsTakeIt(CpuIsa isa)
    {
        var previous = IsaDispatch.Active;
        try
        {
            IsaDispatch.Force(isa);
            Assert.Equal(isa, IsaDispatch.Active);
            var x = Tensor.Randn(new Shape(33, 17), generator: new Generator(3));
            var y = Tensor.Randn(new Shape(33, 17), generator: new Generator(4));
            var checks = new (string Name, Action Run)[]
            {
                ("Exp", () => x.Exp()),
                ("Add", () => _ = x + x),
                ("Lt", () => _ = x < y),
                ("Where", () => Tensor.Where(x > 0, x, x)),
                ("Sum", () => x.Sum(1)),
                ("ArgMax", () => x.ArgMax(1)),
                ("Softmax", () => x.Softmax()),
                ("MatMul", () => x.MatMul(x.T)),
            };
            foreach (var (name, run) in checks)
            {
                IsaDispatch.ResetLastTaken();
                run();
                Assert.True(IsaDispatch.LastTaken == isa, $"{name} took {IsaDispatch.LastTaken} with {isa} forced");
            }
        }
        finally
        {
            IsaDispatch.Force(previous);
        }
    }

    [Fact]
    public void ForcingAvx2WithoutHardwareSupportThrows()
    {
        if (IsaDispatch.Avx2Supported) return; // the positive case is covered above
        var e = Assert.Throws<PlatformNotSupportedException>(() => IsaDispatch.Force(CpuIsa.Avx2));
        Assert.Contains("AVX2", e.Message);
    }

    /// <summary>The thread setting changes nothing but speed: results match 1 thread bit for bit.</summary>
    [Fact]
    public void ThreadCountDoesNotChangeResults()
    {
        var previous = EngineOptions.Threads;
        try
        {
            var a = Tensor.Randn(new Shape(300, 257), generator: new Generator(5));
            var b = Tensor.Randn(new Shape(257, 301), generator: new Generator(6));
            EngineOptions.Threads = 1;
            var one = (a.MatMul(b).Tanh() + a.Sum(0).Sum()).ToArray<float>();
            EngineOptions.Threads = 2;
            var two = (a.MatMul(b).Tanh() + a.Sum(0).Sum()).ToArray<float>();
            Assert.Equal(one, two);
            Assert.Throws<ArgumentOutOfRangeException>(() => EngineOptions.Threads = 0);
        }
        finally
        {
            EngineOptions.Threads = previous;
        }
    }
}
