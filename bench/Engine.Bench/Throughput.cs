namespace Engine.Bench;

/// <summary>Converts a case's work and time per call into the figures the table shows.</summary>
internal static class Throughput
{
    public static double? Gflops(CaseSpec spec, double ms) => spec.CountsFlops ? spec.Work / (ms * 1e6) : null;

    /// <summary>Elements per ns for elementwise cases; none for flop-counted cases and whole epochs (ms per epoch says it).</summary>
    public static double? ElementsPerNs(CaseSpec spec, double ms) => spec.CountsFlops || spec.Kind == CaseKind.Epoch ? null : spec.Work / (ms * 1e6);

    /// <summary>Memory traffic in GB/s (10^9 bytes) for the memory-bound cases.</summary>
    public static double? GigabytesPerSecond(CaseSpec spec, double ms) => spec.Bytes is double bytes ? bytes / (ms * 1e6) : null;

    public static ReferenceFigure? Reference(CaseSpec spec, double oursMs, double? theirMs) =>
        theirMs is double ms && ms > 0
            ? new ReferenceFigure(ms, Gflops(spec, ms), ElementsPerNs(spec, ms), ms / oursMs) { GigabytesPerSecond = GigabytesPerSecond(spec, ms) }
            : null;
}
