using System.Globalization;
using System.Text;
using Engine.IO;

namespace Engine.NN;

/// <summary>What <c>Fit</c> returns: every logged value (loss, metrics, their "val_" twins, learning rate) per epoch.</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = [];

    /// <summary>Each logged name's values, one per epoch, in first-logged order.</summary>
    public IReadOnlyDictionary<string, List<double>> Values => _values;

    /// <summary>Number of epochs recorded.</summary>
    public int Epochs { get; private set; }

    /// <summary>The values of one name ("loss", "val_accuracy").</summary>
    /// <param name="name">The logged name.</param>
    public IReadOnlyList<double> this[string name] =>
        _values.TryGetValue(name, out var list) ? list : throw new KeyNotFoundException($"History: nothing logged as '{name}'; logged: {string.Join(", ", _values.Keys)}.");

    internal void Add(IReadOnlyDictionary<string, double> logs)
    {
        foreach (var (name, value) in logs)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [.. Enumerable.Repeat(double.NaN, Epochs)];
            list.Add(value);
        }
        Epochs++;
        foreach (var list in _values.Values) while (list.Count < Epochs) list.Add(double.NaN);
    }

    /// <summary>The history as CSV: a header "epoch,name,…" and one row per epoch (invariant culture).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder("epoch," + string.Join(",", _values.Keys) + "\n");
        for (int e = 0; e < Epochs; e++)
            text.Append(e + 1).Append(',').AppendJoin(",", _values.Values.Select(v => v[e].ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to a file (atomically: a temporary file renamed over it).</summary>
    /// <param name="path">The file.</param>
    public void SaveCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>
    /// Plots the history as an SVG: one panel for the losses, one for the other metrics, each series against
    /// epochs with its validation twin dashed. Opens in any browser.
    /// </summary>
    /// <param name="path">The .svg file to write.</param>
    public void SaveSvg(string path) => AtomicFile.WriteAllText(path, HistoryPlot.Svg(this));
}

/// <summary>A small SVG line chart of a <see cref="History"/>.</summary>
internal static class HistoryPlot
{
    private static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

    public static string Svg(History history)
    {
        var names = history.Values.Keys.Where(k => !k.StartsWith("val_", StringComparison.Ordinal) && k != "learning_rate").ToList();
        var panels = new List<List<string>> { names.Where(n => n.Contains("loss", StringComparison.Ordinal)).ToList(), names.Where(n => !n.Contains("loss", StringComparison.Ordinal)).ToList() };
        panels.RemoveAll(p => p.Count == 0);
        const int width = 480, height = 300, margin = 50;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width * Math.Max(1, panels.Count)}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        for (int p = 0; p < panels.Count; p++)
            Panel(svg, history, panels[p], p * width, width, height, margin);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, History history, List<string> names, int left, int width, int height, int margin)
    {
        var series = names.SelectMany(n => new[] { n, "val_" + n }).Where(history.Values.ContainsKey).ToList();
        var all = series.SelectMany(s => history[s]).Where(double.IsFinite).ToList();
        double low = all.Count > 0 ? all.Min() : 0, high = all.Count > 0 ? all.Max() : 1;
        if (high - low < 1e-12) { low -= 0.5; high += 0.5; }
        int epochs = Math.Max(2, history.Epochs);
        double X(int e) => left + margin + (width - 2 * margin) * e / (double)(epochs - 1);
        double Y(double v) => height - margin - (height - 2 * margin) * (v - low) / (high - low);
        var ic = CultureInfo.InvariantCulture;
        svg.Append(ic, $"<rect x=\"{left + margin}\" y=\"{margin}\" width=\"{width - 2 * margin}\" height=\"{height - 2 * margin}\" fill=\"none\" stroke=\"#999\"/>\n");
        svg.Append(ic, $"<text x=\"{left + margin}\" y=\"{margin - 8}\">{string.Join(", ", names)}</text>\n");
        svg.Append(ic, $"<text x=\"{left + 4}\" y=\"{margin + 4}\">{high:G4}</text><text x=\"{left + 4}\" y=\"{height - margin}\">{low:G4}</text>\n");
        svg.Append(ic, $"<text x=\"{left + width / 2 - 20}\" y=\"{height - margin / 3}\">epoch (1–{history.Epochs})</text>\n");
        for (int s = 0; s < series.Count; s++)
        {
            var values = history[series[s]];
            var points = string.Join(" ", values.Select((v, e) => (v, e)).Where(t => double.IsFinite(t.v)).Select(t => $"{X(t.e):F1},{Y(t.v):F1}"));
            string colour = Colours[names.IndexOf(series[s].Replace("val_", "", StringComparison.Ordinal)) % Colours.Length];
            string dash = series[s].StartsWith("val_", StringComparison.Ordinal) ? " stroke-dasharray=\"5,3\"" : "";
            svg.Append(ic, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{points}\"/>\n");
            svg.Append(ic, $"<text x=\"{left + width - margin - 110}\" y=\"{margin + 16 + 14 * s}\" fill=\"{colour}\">{series[s]}</text>\n");
        }
    }
}
