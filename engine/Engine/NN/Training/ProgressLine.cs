using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Engine.NN;

/// <summary>
/// Keras's per-epoch progress output: "Epoch 3/10", then a live line (bar, step count, elapsed or ETA, time
/// per step, running metrics) redrawn in place on a terminal, ending with the validation metrics. When the
/// output is redirected only the final line is written. Verbosity 0 prints nothing, 2 one line per epoch.
/// </summary>
internal sealed class ProgressLine
{
    private const int BarWidth = 20;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly TextWriter _out;
    private readonly int _steps;
    private readonly bool _live;
    private readonly bool _silent;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _drawnLength;

    public ProgressLine(int epoch, int epochs, int steps, int verbose, TextWriter? output = null)
    {
        _out = output ?? Console.Out;
        _steps = steps;
        _silent = verbose == 0;
        _live = verbose == 1 && output is null && !Console.IsOutputRedirected;
        if (!_silent) _out.WriteLine($"Epoch {epoch + 1}/{epochs}");
    }

    public void Update(int step, IReadOnlyDictionary<string, double> logs)
    {
        if (!_live) return;
        var now = _clock.Elapsed;
        if (step < _steps && now - _lastDraw < RedrawInterval) return;
        _lastDraw = now;
        var line = Line(step, logs, final: false);
        _out.Write("\r" + line + new string(' ', Math.Max(0, _drawnLength - line.Length)));
        _drawnLength = line.Length;
        _out.Flush();
    }

    public void End(IReadOnlyDictionary<string, double> logs)
    {
        if (_silent) return;
        var line = Line(_steps, logs, final: true);
        _out.WriteLine((_live ? "\r" : "") + line + new string(' ', Math.Max(0, _drawnLength - line.Length)));
    }

    private string Line(int step, IReadOnlyDictionary<string, double> logs, bool final)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        int filled = _steps == 0 ? BarWidth : (int)((long)BarWidth * step / _steps);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{step}/{_steps} ");
        text.Append('━', filled).Append(' ', BarWidth - filled).Append(' ');
        if (final || step >= _steps) text.Append(CultureInfo.InvariantCulture, $"{seconds:F0}s ");
        else text.Append(CultureInfo.InvariantCulture, $"ETA {seconds / Math.Max(1, step) * (_steps - step):F0}s ");
        text.Append(CultureInfo.InvariantCulture, $"{1000 * seconds / Math.Max(1, step):F0}ms/step");
        foreach (var (name, value) in logs.OrderBy(l => l.Key.StartsWith("val_", StringComparison.Ordinal)).ThenBy(l => l.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $" - {name}: {value:F4}");
        return text.ToString();
    }
}
