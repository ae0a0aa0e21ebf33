using BenchmarkDotNet.Attributes;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>exp, sigmoid, tanh, gelu, relu over 2^20 and 2^24 floats, at 1 thread and all threads.</summary>
public class UnaryBenchmarks
{
    private UnaryWorkload? _workload;

    [Params(UnaryOp.Exp, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Gelu, UnaryOp.Relu)]
    public UnaryOp Op { get; set; }

    [Params(1L << 20, 1L << 24)]
    public long Length { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => BenchThreads.OneAndAll;

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Threads;
        _workload = new UnaryWorkload(Op, Length);
    }

    [Benchmark]
    public void Unary() => _workload!.Run();

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();
}
