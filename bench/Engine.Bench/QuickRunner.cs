using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>
/// The quick mode: peak FMA first, then every selected case at each thread count (~1 s each after
/// warm-up), with NumPy/PyTorch run on the same cases after each thread count when --compare is given.
/// Progress goes to stderr; the table to stdout and bench/results/quick-latest.json.
/// </summary>
internal sealed class QuickRunner(QuickOptions options)
{
    /// <summary>NumPy/PyTorch get a shorter measuring time (their calls have no JIT to warm), keeping a full run short.</summary>
    private const double PythonTimeShare = 0.3;

    private readonly List<PeakFigure> _peaks = [];
    private readonly List<ReferenceReport> _references = [];
    private readonly List<(CaseSpec Spec, int Threads, double Ms, ReferenceTiming? Reference)> _measured = [];

    public int Run()
    {
        // The filter is one or more substrings separated by "|": a case runs when its name contains any of them.
        var filters = options.Filter.Split('|');
        var cases = CaseCatalog.All().Where(c => filters.Any(f => c.Name.Contains(f, StringComparison.OrdinalIgnoreCase))).ToList();
        if (cases.Count == 0)
        {
            Console.Error.WriteLine($"No case name contains '{options.Filter}'.");
            return 1;
        }
        var machine = MachineInfo.Current();
        Console.WriteLine($"Machine: {machine}");
        if (cases.Any(c => c.CountsFlops)) MeasurePeaks(cases);
        foreach (int threads in options.Threads) RunThreadCount(cases, threads);
        // Other work on the machine can depress one peak measurement: measure again and keep the best.
        if (cases.Any(c => c.CountsFlops)) MeasurePeaks(cases);
        PrintSummary(machine, _measured.Select(m => Result(m.Spec, m.Threads, m.Ms, m.Reference)).ToList());
        return 0;
    }

    private void MeasurePeaks(IReadOnlyList<CaseSpec> cases)
    {
        foreach (var dtype in cases.Where(c => c.CountsFlops).Select(c => c.DType).Distinct())
            foreach (int threads in options.Threads)
                KeepBestPeak(new PeakFigure(dtype, threads, PeakFma.MeasureGflops(dtype, threads)));
    }

    private void KeepBestPeak(PeakFigure measured)
    {
        Console.Error.WriteLine($"  peak FMA {measured.DType} t={measured.Threads}: {measured.Gflops:F1} GFLOP/s");
        int index = _peaks.FindIndex(p => p.DType == measured.DType && p.Threads == measured.Threads);
        if (index < 0) _peaks.Add(measured);
        else if (measured.Gflops > _peaks[index].Gflops) _peaks[index] = measured;
    }

    private void RunThreadCount(IReadOnlyList<CaseSpec> cases, int threads)
    {
        KernelThreads.Count = threads;
        var ours = cases.Select(spec => (spec, ms: MeasureOurs(spec, threads))).ToList();
        var reference = options.Compare ? CompareWithPython(cases, threads) : null;
        foreach (var (spec, ms) in ours) _measured.Add((spec, threads, ms, reference?.For(spec.Name)));
    }

    private double MeasureOurs(CaseSpec spec, int threads)
    {
        using var workload = WorkloadFactory.Create(spec);
        double ms = 1e3 * CallTimer.MedianSecondsPerCall(workload.Run, options.WarmupSeconds, options.MeasureSeconds);
        Console.Error.WriteLine($"  {spec.Name,-24} {spec.DType} t={threads}: {ms:F4} ms");
        return ms;
    }

    private ReferenceReport CompareWithPython(IReadOnlyList<CaseSpec> cases, int threads)
    {
        Console.Error.WriteLine($"  numpy/torch, {threads} thread(s)…");
        var report = new PythonReference(options.Python, options.MeasureSeconds * PythonTimeShare).Run(cases, threads);
        _references.Add(report);
        return report;
    }

    private QuickResult Result(CaseSpec spec, int threads, double ms, ReferenceTiming? reference)
    {
        double? gflops = Throughput.Gflops(spec, ms);
        var peak = _peaks.FirstOrDefault(p => p.DType == spec.DType && p.Threads == threads);
        return new QuickResult(spec.Name, spec.Shape, spec.DType, threads, IsaDispatch.Active.ToString(), ms)
        {
            Gflops = gflops,
            ElementsPerNs = Throughput.ElementsPerNs(spec, ms),
            PeakPercent = gflops is double g && peak != null ? 100 * g / peak.Gflops : null,
            Numpy = Throughput.Reference(spec, ms, reference?.NumpyMs),
            Torch = Throughput.Reference(spec, ms, reference?.TorchMs),
        };
    }

    private void PrintSummary(MachineInfo machine, IReadOnlyList<QuickResult> results)
    {
        foreach (var peak in _peaks)
            Console.WriteLine($"Peak FMA {peak.DType}, {peak.Threads} thread(s): {peak.Gflops:F1} GFLOP/s (best of two measurements)");
        Console.WriteLine();
        foreach (var report in _references)
        {
            Console.WriteLine($"Reference, {report.Threads} thread(s): " +
                string.Join(", ", report.Info.Select(kv => $"{kv.Key}={kv.Value}")));
            foreach (var note in report.Notes) Console.WriteLine($"  note: {note}");
        }
        Console.WriteLine();
        Console.Write(ResultTable.Render(results, options.Compare));
        var path = QuickReportFile.Write(machine, _peaks, _references, results);
        Console.WriteLine();
        Console.WriteLine($"Wrote {Path.GetRelativePath(RepositoryPaths.Root, path)}");
    }
}
