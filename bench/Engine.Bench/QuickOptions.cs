using System.Globalization;

namespace Engine.Bench;

/// <summary>
/// Command line of the quick mode: <c>quick [filter] [--compare] [--threads 1,2] [--seconds 1] [--warmup 0.5] [--python PATH]
/// [--device cpu|cuda|opencl|simulator|all] [--isa scalar,avx2,avx512|all] [--statistic median|best]</c> (see
/// <see cref="TargetSelection"/> and <see cref="TimingStatistic"/>).
/// </summary>
internal sealed record QuickOptions
{
    public string Filter { get; init; } = "";
    public bool Compare { get; init; }
    public int[] Threads { get; init; } = BenchThreads.OneAndAll.ToArray();
    public double MeasureSeconds { get; init; } = 1.0;
    public double WarmupSeconds { get; init; } = 0.5;
    public string Python { get; init; } = "/usr/bin/python3";
    public string Devices { get; init; } = "cpu";
    public string? Isas { get; init; }
    public TimingStatistic Statistic { get; init; } = TimingStatistic.Median;

    public static QuickOptions Parse(IReadOnlyList<string> args)
    {
        var options = new QuickOptions();
        for (int i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--compare" => options with { Compare = true },
                "--threads" => options with { Threads = ParseThreads(ValueAfter(args, ref i)) },
                "--seconds" => options with { MeasureSeconds = ParseSeconds(ValueAfter(args, ref i)) },
                "--warmup" => options with { WarmupSeconds = ParseSeconds(ValueAfter(args, ref i)) },
                "--python" => options with { Python = ValueAfter(args, ref i) },
                "--device" => options with { Devices = ValueAfter(args, ref i) },
                "--isa" => options with { Isas = ValueAfter(args, ref i) },
                "--statistic" => options with { Statistic = ParseStatistic(ValueAfter(args, ref i)) },
                var flag when flag.StartsWith("--", StringComparison.Ordinal) =>
                    throw new ArgumentException($"Unknown quick-mode option '{flag}'."),
                var filter => options with { Filter = filter },
            };
        }
        return options;
    }

    private static string ValueAfter(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");

    private static int[] ParseThreads(string text)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.Parse(t, CultureInfo.InvariantCulture)).Distinct().ToArray();
        if (counts.Length == 0 || counts.Any(c => c < 1))
            throw new ArgumentException($"--threads '{text}': give positive counts, e.g. 1,2.");
        return counts;
    }

    private static TimingStatistic ParseStatistic(string text) => text switch
    {
        "median" => TimingStatistic.Median,
        "best" => TimingStatistic.Best,
        _ => throw new ArgumentException($"--statistic '{text}': give median or best."),
    };

    private static double ParseSeconds(string text)
    {
        double seconds = double.Parse(text, CultureInfo.InvariantCulture);
        return seconds > 0 ? seconds : throw new ArgumentException($"Seconds must be positive, not '{text}'.");
    }
}
