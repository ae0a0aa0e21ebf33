using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>
/// Runs compare.py (NumPy/OpenBLAS and PyTorch CPU) on the same cases in a child process per thread count.
/// Thread counts go in through the environment as well as the script's own calls, and OPENBLAS_CORETYPE /
/// OPENBLAS_L2_SIZE are removed so OpenBLAS picks its own kernels. Any failure becomes a note, never a crash.
/// </summary>
internal sealed class PythonReference(string python, double measureSeconds, TimingStatistic statistic)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly string[] RemovedVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];
    private static readonly string[] ThreadVariables = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"];

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
        info.Environment["ENGINE_REPO"] = RepositoryPaths.Root; // where compare.py finds the bundled data
        return info;
    }

    private string Request(IReadOnlyList<CaseSpec> cases, int threads, string device) =>
        JsonSerializer.Serialize(new { threads, device, seconds = measureSeconds, statistic, cases }, QuickReportFile.JsonOptions);

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "…" + text[^600..].Trim();
}
