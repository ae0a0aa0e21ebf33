using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Bench;

/// <summary>What compare.py printed for one thread count: per-case times and notes about the libraries.</summary>
internal sealed record ReferenceReport
{
    /// <summary>Where PyTorch ran: "cpu" or "cuda:N".</summary>
    [JsonPropertyName("device")]
    public string Device { get; init; } = "cpu";

    [JsonPropertyName("threads")]
    public int Threads { get; init; }

    /// <summary>Library versions, the OpenBLAS core NumPy uses, how threads were set.</summary>
    [JsonPropertyName("info")]
    public Dictionary<string, JsonElement> Info { get; init; } = [];

    [JsonPropertyName("notes")]
    public List<string> Notes { get; init; } = [];

    [JsonPropertyName("results")]
    public List<ReferenceTiming> Results { get; init; } = [];

    public static ReferenceReport Unavailable(int threads, string device, string note) => new() { Threads = threads, Device = device, Notes = [note] };

    public ReferenceTiming? For(string caseName) => Results.FirstOrDefault(r => r.Case == caseName);
}

/// <summary>Milliseconds per call of one case in NumPy and PyTorch (null where not measured).</summary>
internal sealed record ReferenceTiming(
    [property: JsonPropertyName("case")] string Case,
    [property: JsonPropertyName("numpyMs")] double? NumpyMs,
    [property: JsonPropertyName("torchMs")] double? TorchMs);
