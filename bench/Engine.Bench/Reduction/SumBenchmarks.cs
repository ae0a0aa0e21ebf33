using BenchmarkDotNet.Attributes;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>Sum of 2^24 floats, at 1 thread and all threads.</summary>
public class SumBenchmarks
{
    private SumWorkload? _workload;

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => BenchThreads.OneAndAll;

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Threads;
        _workload = new SumWorkload(CaseCatalog.SumLength);
    }

    [Benchmark]
    public void Sum() => _workload!.Run();

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();
}
