using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Bench;

/// <summary>
/// The machine's peak FMA throughput: 12 independent chains of Vector256 fused multiply-adds per thread
/// (enough to cover FMA latency × ports on current x86 cores), one chain set per thread, all threads
/// released together by a barrier. The best of a few repetitions is the peak.
/// </summary>
internal static class PeakFma
{
    private const int Chains = 12;
    private const int Repetitions = 10;

    public static double MeasureGflops(string dtype, int threads, double secondsPerRepetition = 0.05)
    {
        Func<long, double> kernel = dtype == "float32" ? FloatChains : DoubleChains;
        int lanes = dtype == "float32" ? Vector256<float>.Count : Vector256<double>.Count;
        long iterations = Calibrate(kernel, secondsPerRepetition);
        double flopsPerThread = 2.0 * Chains * lanes * iterations;
        double best = 0;
        for (int r = 0; r < Repetitions; r++)
            best = Math.Max(best, flopsPerThread * threads / RunOnThreads(kernel, iterations, threads) / 1e9);
        return best;
    }

    private static long Calibrate(Func<long, double> kernel, double seconds)
    {
        long iterations = 1 << 16;
        while (true)
        {
            var watch = Stopwatch.StartNew();
            kernel(iterations);
            double elapsed = watch.Elapsed.TotalSeconds;
            if (elapsed > seconds / 4) return (long)(iterations * seconds / elapsed);
            iterations *= 4;
        }
    }

    /// <summary>Wall seconds until every thread has finished its chains.</summary>
    private static double RunOnThreads(Func<long, double> kernel, long iterations, int threads)
    {
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            Sink(kernel(iterations));
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        start.SignalAndWait();
        var watch = Stopwatch.StartNew();
        foreach (var worker in workers) worker.Join();
        return watch.Elapsed.TotalSeconds;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sink(double value) => GC.KeepAlive(value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FloatChains(long iterations)
    {
        var m = Vector256.Create(0.9999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double DoubleChains(long iterations)
    {
        var m = Vector256.Create(0.9999999);
        var a = Vector256.Create(1e-7);
        Vector256<double> c0 = Vector256.Create(1.0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector256.Sum(sum);
    }
}
