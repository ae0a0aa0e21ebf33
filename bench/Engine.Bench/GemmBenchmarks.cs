using System.Numerics;
using BenchmarkDotNet.Attributes;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>SGEMM / DGEMM on square, MLP and transposed-operand shapes, at 1 thread and all threads.</summary>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private GemmWorkload<T>? _workload;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<GemmShape> Shapes => CaseCatalog.GemmShapes;

    public static IEnumerable<int> ThreadCounts => BenchThreads.OneAndAll;

    [GlobalSetup]
    public void Setup()
    {
        KernelThreads.Count = Threads;
        _workload = new GemmWorkload<T>(Shape);
    }

    [Benchmark]
    public void Gemm() => _workload!.Run();

    [GlobalCleanup]
    public void Cleanup() => _workload?.Dispose();
}
