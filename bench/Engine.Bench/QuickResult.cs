using System.Text.Json.Serialization;

namespace Engine.Bench;

/// <summary>
/// One row of the quick-mode table and JSON: our figure, and with --compare the NumPy and PyTorch ones.
/// GEMM rows carry <see cref="Gflops"/> and <see cref="PeakPercent"/>; the others <see cref="ElementsPerNs"/>.
/// </summary>
internal sealed record QuickResult(string Case, string Shape, [property: JsonPropertyName("dtype")] string DType, string Device, int Threads, string Isa, double Ms)
{
    public double? Gflops { get; init; }
    public double? ElementsPerNs { get; init; }
    public double? GigabytesPerSecond { get; init; }
    public double? PeakPercent { get; init; }
    public ReferenceFigure? Numpy { get; init; }
    public ReferenceFigure? Torch { get; init; }
}

/// <summary>A reference library's time for a case; <see cref="OursOverTheirs"/> &gt; 1 means we are faster.</summary>
internal sealed record ReferenceFigure(double Ms, double? Gflops, double? ElementsPerNs, double OursOverTheirs)
{
    public double? GigabytesPerSecond { get; init; }
}
