using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// The quick mode: the hardware report, peak FMA, then every selected case on every selected target (each CPU ISA path
/// at each thread count, each GPU once) ~1 s each after warm-up, with NumPy/PyTorch run on the same cases when --compare
/// is given (PyTorch on CUDA for CUDA targets). Progress goes to stderr; the table to stdout and
/// bench/results/quick-latest.json.
/// </summary>
internal sealed class QuickRunner(QuickOptions options)
{
    /// <summary>NumPy/PyTorch get a shorter measuring time (their calls have no JIT to warm), keeping a full run short.</summary>
    private const double PythonTimeShare = 0.3;

    private readonly List<PeakFigure> _peaks = [];
    private readonly Dictionary<(string Device, int Threads), ReferenceReport> _references = [];
    private readonly List<string> _notes = [];
    private readonly List<(CaseSpec Spec, BenchTarget Target, int Threads, double Ms)> _measured = [];

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
        Console.WriteLine(machine.Report());
        var targets = Targets(machine);
        foreach (var note in _notes) Console.WriteLine($"note: {note}");
        if (targets.Count == 0)
        {
            Console.Error.WriteLine("No device or ISA path left to measure.");
            return 1;
        }
        Console.WriteLine($"Targets: {string.Join(", ", targets)}");
        if (targets.Any(t => t.Device.Kind == DeviceKind.Simulator))
            AddNote("the GPU simulator runs the GPU kernels on the host, far slower than any device: its numbers say only that the path works, nothing about speed.");
        bool cpuFlops = targets.Any(t => !t.IsGpu) && cases.Any(c => c.CountsFlops && !c.GpuOnly);
        if (cpuFlops) MeasurePeaks(cases);
        foreach (var target in targets) RunTarget(cases, target);
        IsaDispatch.Force(null);
        // Other work on the machine can depress one peak measurement: measure again and keep the best.
        if (cpuFlops) MeasurePeaks(cases);
        PrintSummary(machine, _measured.Select(Result).ToList());
        return 0;
    }

    private List<BenchTarget> Targets(MachineInfo machine)
    {
        var isas = TargetSelection.ParseIsas(options.Isas,
            TargetSelection.HardwareIsas(machine.Avx2Supported, machine.Avx512Accelerated), IsaDispatch.Detected, _notes);
        var found = machine.Gpus.Select(g => (Enum.Parse<DeviceKind>(g.Kind), g.Index)).ToList();
        var resolved = TargetSelection.Resolve(TargetSelection.ParseDevices(options.Devices), isas, found, _notes);
        return resolved.Select(t => new BenchTarget(Open(t.Kind, t.Index), t.Isa)).ToList();
    }

    private static Device Open(DeviceKind kind, int index) => kind switch
    {
        DeviceKind.Cuda => Device.Cuda(index),
        DeviceKind.OpenCL => Device.OpenCL(index),
        DeviceKind.Simulator => Device.GpuSimulator,
        _ => Device.Cpu,
    };

    private void AddNote(string note)
    {
        Console.WriteLine($"note: {note}");
        _notes.Add(note);
    }

    private void MeasurePeaks(IReadOnlyList<CaseSpec> cases)
    {
        foreach (var dtype in cases.Where(c => c.CountsFlops && !c.GpuOnly).Select(c => c.DType).Distinct())
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

    /// <summary>A CPU path runs at each thread count; a GPU once, with all host threads for the host-side work.</summary>
    private void RunTarget(IReadOnlyList<CaseSpec> cases, BenchTarget target)
    {
        target.Activate();
        var runnable = new List<CaseSpec>();
        foreach (var spec in cases)
        {
            if (WorkloadFactory.SkipReason(spec, target) is { } reason) AddNote($"{spec.Name} skipped on {target}: {reason}.");
            else runnable.Add(spec);
        }
        if (runnable.Count == 0) return;
        int[] threadCounts = target.IsGpu ? [options.Threads.Max()] : options.Threads;
        foreach (int threads in threadCounts)
        {
            KernelThreads.Count = threads;
            foreach (var spec in runnable) _measured.Add((spec, target, threads, MeasureOurs(spec, target, threads)));
            if (options.Compare) CompareWithPython(runnable, target, threads);
        }
    }

    private double MeasureOurs(CaseSpec spec, BenchTarget target, int threads)
    {
        using var workload = WorkloadFactory.Create(spec, target);
        double ms = 1e3 * CallTimer.SecondsPerCall(workload.Run, options.WarmupSeconds, options.MeasureSeconds, options.Statistic);
        Console.Error.WriteLine($"  {spec.Name,-24} {spec.DType} {target} t={threads}: {ms:F4} ms");
        return ms;
    }

    /// <summary>
    /// NumPy and PyTorch CPU once per thread count (not per ISA path: they pick their own), PyTorch CUDA once per CUDA
    /// device; other GPUs have no reference.
    /// </summary>
    private void CompareWithPython(IReadOnlyList<CaseSpec> cases, BenchTarget target, int threads)
    {
        string device = target.Device.Kind switch
        {
            DeviceKind.Cpu => "cpu",
            DeviceKind.Cuda => $"cuda:{target.Device.Index}",
            _ => "",
        };
        if (device == "")
        {
            AddNote($"no PyTorch reference for {target}.");
            return;
        }
        if (_references.ContainsKey((device, threads))) return;
        Console.Error.WriteLine($"  numpy/torch on {device}, {threads} thread(s)…");
        _references[(device, threads)] = new PythonReference(options.Python, options.MeasureSeconds * PythonTimeShare, options.Statistic)
            .Run(cases, threads, device);
    }

    private QuickResult Result((CaseSpec Spec, BenchTarget Target, int Threads, double Ms) m)
    {
        var (spec, target, threads, ms) = m;
        string device = target.Device.Kind == DeviceKind.Cpu ? "cpu" : target.DeviceText;
        var reference = _references.GetValueOrDefault((device, threads))?.For(spec.Name);
        double? gflops = Throughput.Gflops(spec, ms);
        var peak = target.IsGpu ? null : _peaks.FirstOrDefault(p => p.DType == spec.DType && p.Threads == threads);
        return new QuickResult(spec.Name, spec.Shape, spec.DType, target.DeviceText, threads, target.IsaText, ms)
        {
            Gflops = gflops,
            ElementsPerNs = Throughput.ElementsPerNs(spec, ms),
            GigabytesPerSecond = Throughput.GigabytesPerSecond(spec, ms),
            PeakPercent = gflops is double g && peak != null ? 100 * g / peak.Gflops : null,
            Numpy = Throughput.Reference(spec, ms, reference?.NumpyMs),
            Torch = Throughput.Reference(spec, ms, reference?.TorchMs),
        };
    }

    private string StatisticText => options.Statistic == TimingStatistic.Best ? "fastest" : "median";

    private void PrintSummary(MachineInfo machine, IReadOnlyList<QuickResult> results)
    {
        Console.WriteLine();
        Console.WriteLine(machine.Report());
        foreach (var peak in _peaks)
            Console.WriteLine($"Peak FMA {peak.DType}, {peak.Threads} thread(s): {peak.Gflops:F1} GFLOP/s (best of two measurements)");
        Console.WriteLine();
        foreach (var ((device, threads), report) in _references)
        {
            Console.WriteLine($"Reference on {device}, {threads} thread(s): " +
                string.Join(", ", report.Info.Select(kv => $"{kv.Key}={kv.Value}")));
            foreach (var note in report.Notes) Console.WriteLine($"  note: {note}");
        }
        foreach (var note in _notes) Console.WriteLine($"note: {note}");
        Console.WriteLine($"Timing: the {StatisticText} of batches of calls lasting ≥ 10 ms, for every figure below (ours and the references).");
        Console.WriteLine();
        Console.Write(ResultTable.Render(results, options.Compare));
        var path = QuickReportFile.Write(machine, _peaks, _references.Values.ToList(), _notes, options.Statistic, results);
        Console.WriteLine();
        Console.WriteLine($"Wrote {path}");
    }
}
