using System.Globalization;
using System.Text;

namespace Engine.Bench;

/// <summary>Renders quick-mode results as a Markdown table (GFLOP/s for GEMM, elements/ns otherwise).</summary>
internal static class ResultTable
{
    public static string Render(IReadOnlyList<QuickResult> results, bool withReferences)
    {
        var header = new List<string> { "case", "shape", "dtype", "device", "thr", "isa", "throughput", "ms/call", "% peak" };
        if (withReferences) header.AddRange(["numpy", "torch", "ours/numpy", "ours/torch"]);
        var text = new StringBuilder();
        AppendRow(text, header);
        AppendRow(text, header.Select((_, i) => i < 6 ? "---" : "---:"));
        foreach (var r in results) AppendRow(text, Cells(r, withReferences));
        return text.ToString();
    }

    private static IEnumerable<string> Cells(QuickResult r, bool withReferences)
    {
        yield return r.Case;
        yield return r.Shape;
        yield return r.DType;
        yield return r.Device;
        yield return r.Threads.ToString(CultureInfo.InvariantCulture);
        yield return r.Isa;
        yield return Rate(r.Gflops, r.ElementsPerNs, r.GigabytesPerSecond);
        yield return Number(r.Ms, r.Ms < 1 ? "F4" : "F2");
        yield return r.PeakPercent is double p ? Number(p, "F0") + " %" : "";
        if (!withReferences) yield break;
        yield return r.Numpy is { } numpy ? Rate(numpy.Gflops, numpy.ElementsPerNs, numpy.GigabytesPerSecond) : "–";
        yield return r.Torch is { } torch ? Rate(torch.Gflops, torch.ElementsPerNs, torch.GigabytesPerSecond) : "–";
        yield return r.Numpy is { } n ? Number(n.OursOverTheirs, "F2") + "×" : "–";
        yield return r.Torch is { } t ? Number(t.OursOverTheirs, "F2") + "×" : "–";
    }

    private static string Rate(double? gflops, double? elementsPerNs, double? gigabytesPerSecond) =>
        gflops is double g ? Number(g, "F1") + " GFLOP/s"
        : elementsPerNs is double e ? Number(e, "F2") + " el/ns" + (gigabytesPerSecond is double gb ? $" ({Number(gb, "F0")} GB/s)" : "") : "";

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void AppendRow(StringBuilder text, IEnumerable<string> cells) =>
        text.Append("| ").AppendJoin(" | ", cells).AppendLine(" |");
}
