using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Bench;

/// <summary>Writes a quick run to bench/results/quick-latest.json (git-ignored).</summary>
internal static class QuickReportFile
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write(MachineInfo machine, IReadOnlyList<PeakFigure> peaks,
        IReadOnlyList<ReferenceReport> references, IReadOnlyList<QuickResult> results)
    {
        Directory.CreateDirectory(RepositoryPaths.ResultsFolder);
        var path = Path.Combine(RepositoryPaths.ResultsFolder, "quick-latest.json");
        var report = new
        {
            date = DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture),
            machine,
            peaks,
            references = references.Select(r => new { r.Threads, r.Info, r.Notes }),
            results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(report, JsonOptions));
        return path;
    }
}
