using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>
/// Runs compare.py (NumPy/OpenBLAS and PyTorch CPU) on the same cases in a child process per thread count.
/// Thread counts go in through the environment as well as the script's own calls, and OPENBLAS_CORETYPE /
/// OPENBLAS_L2_SIZE are removed so OpenBLAS picks its own kernels. Any failure becomes a note, never a crash.
/// </summary>
/// <remarks>
/// glibc's allocator is set to keep freed memory (<see cref="SteadyAllocator"/>): by default a block above its mmap
/// threshold (128 KiB until a larger block has been freed) is mapped fresh per call and its pages faulted in, ~2.4 µs
/// per 4 KiB here, so PyTorch's time for a call with a 4 MiB output depended on what had run before it in the
/// process: conv 3→32 (batch 32) took 5.8–6.0 ms first, 0.94–0.99 ms after a larger convolution. A training loop
/// runs in that warm state, and our own pool reuses its blocks, so the references are measured in it too.
/// </remarks>
internal sealed class PythonReference(string python, double measureSeconds, TimingStatistic statistic)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly string[] RemovedVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];
    private static readonly string[] ThreadVariables = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"];

    /// <summary>glibc tunables: every block from the heap, never mapped per call, and freed memory kept (see remarks).</summary>
    private static readonly (string Name, string Value)[] SteadyAllocator =
        [("MALLOC_MMAP_THRESHOLD_", "1073741824"), ("MALLOC_TRIM_THRESHOLD_", "4294967296")];

    /// <summary>Times <paramref name="cases"/> in PyTorch on <paramref name="device"/> ("cpu", with NumPy too, or "cuda:N").</summary>
    public ReferenceReport Run(IReadOnlyList<CaseSpec> cases, int threads, string device)
    {
        var script = RepositoryPaths.CompareScript();
        if (script == null) return ReferenceReport.Unavailable(threads, device, "compare.py not found; no comparison.");
        if (!File.Exists(python)) return ReferenceReport.Unavailable(threads, device, $"{python} not found; no comparison.");
        try
        {
            return RunScript(script, cases, threads, device);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or JsonException
                                      or System.ComponentModel.Win32Exception or TimeoutException)
        {
            return ReferenceReport.Unavailable(threads, device, $"comparison failed: {e.Message}");
        }
    }

    private ReferenceReport RunScript(string script, IReadOnlyList<CaseSpec> cases, int threads, string device)
    {
        using var process = Process.Start(StartInfo(script, threads))
            ?? throw new InvalidOperationException($"could not start {python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(Request(cases, threads, device));
        process.StandardInput.Close();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"compare.py ran longer than {Timeout.TotalMinutes} min and was stopped");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"compare.py exited with {process.ExitCode}: {Tail(stderr.Result)}");
        return JsonSerializer.Deserialize<ReferenceReport>(stdout.Result)
            ?? throw new JsonException("compare.py printed no JSON");
    }

    private ProcessStartInfo StartInfo(string script, int threads)
    {
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var name in RemovedVariables) info.Environment.Remove(name);
        foreach (var name in ThreadVariables) info.Environment[name] = threads.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in SteadyAllocator) info.Environment[name] = value;
        info.Environment["ENGINE_REPO"] = RepositoryPaths.Root; // where compare.py finds the bundled data
        return info;
    }

    private string Request(IReadOnlyList<CaseSpec> cases, int threads, string device) =>
        JsonSerializer.Serialize(new { threads, device, seconds = measureSeconds, statistic, cases }, QuickReportFile.JsonOptions);

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "…" + text[^600..].Trim();
}
