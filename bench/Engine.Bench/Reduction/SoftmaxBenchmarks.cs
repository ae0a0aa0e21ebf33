using BenchmarkDotNet.Attributes;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>Softmax over the last axis of 4096×256 floats, at 1 thread and all threads.</summary>
public class SoftmaxBenchmarks
{
    private SoftmaxWorkload? _workload;

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => BenchThreads.OneAndAll;

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Threads;
        _workload = new SoftmaxWorkload(CaseCatalog.SoftmaxRows, CaseCatalog.SoftmaxRowLength);
    }

    [Benchmark]
    public void Softmax() => _workload!.Run();

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();
}
