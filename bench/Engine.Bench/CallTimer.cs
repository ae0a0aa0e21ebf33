using System.Diagnostics;

namespace Engine.Bench;

/// <summary>
/// Times a call: warm-up (so the JIT reaches tier 1 and caches settle), then batches of calls of at least
/// ~10 ms each until the measuring time is spent; the median batch (which shrugs off the odd batch slowed by other
/// work on the machine) or the fastest one gives the seconds per call.
/// </summary>
internal static class CallTimer
{
    private const double MinBatchSeconds = 0.01;

    public static double SecondsPerCall(Action call, double warmupSeconds, double measureSeconds, TimingStatistic statistic)
    {
        double perCall = RunFor(call, warmupSeconds, minCalls: 2);
        int batch = (int)Math.Clamp(MinBatchSeconds / perCall, 1, 1_000_000);
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count == 0 || total.Elapsed.TotalSeconds < measureSeconds)
            samples.Add(TimeBatch(call, batch) / batch);
        samples.Sort();
        return statistic == TimingStatistic.Best ? samples[0] : samples[samples.Count / 2];
    }

    /// <summary>Calls until <paramref name="seconds"/> have passed; returns the mean seconds per call.</summary>
    private static double RunFor(Action call, double seconds, int minCalls)
    {
        var watch = Stopwatch.StartNew();
        long calls = 0;
        while (calls < minCalls || watch.Elapsed.TotalSeconds < seconds)
        {
            call();
            calls++;
        }
        return watch.Elapsed.TotalSeconds / calls;
    }

    private static double TimeBatch(Action call, int batch)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < batch; i++) call();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
