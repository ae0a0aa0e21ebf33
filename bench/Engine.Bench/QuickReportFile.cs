using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Bench;

/// <summary>Writes a quick run to bench/results/quick-latest.json (git-ignored), or to $ENGINE_BENCH_RESULTS/quick-latest.json.</summary>
internal static class QuickReportFile
{
    /// <summary>Environment variable naming another folder for the JSON (the GPU machine's $OUT).</summary>
    public const string ResultsFolderVariable = "ENGINE_BENCH_RESULTS";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write(MachineInfo machine, IReadOnlyList<PeakFigure> peaks,
        IReadOnlyList<ReferenceReport> references, IReadOnlyList<string> notes, TimingStatistic statistic,
        IReadOnlyList<QuickResult> results)
    {
        var folder = Environment.GetEnvironmentVariable(ResultsFolderVariable) is { Length: > 0 } chosen ? chosen : RepositoryPaths.ResultsFolder;
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "quick-latest.json");
        var report = new
        {
            date = DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture),
            machine,
            peaks,
            references = references.Select(r => new { r.Device, r.Threads, r.Info, r.Notes }),
            notes,
            statistic,
            results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(report, JsonOptions));
        return path;
    }
}
