using System.Runtime.InteropServices;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(string Cpu, int ProcessorCount, string IsaDetected, string IsaActive, string Runtime, string Os,
    string LoadAverage)
{
    public static MachineInfo Current() => new(
        CpuName(), Environment.ProcessorCount, IsaDispatch.Detected.ToString(), IsaDispatch.Active.ToString(),
        RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, LoadAverageNow());

    public override string ToString() =>
        $"{Cpu}, {ProcessorCount} logical cores, ISA detected {IsaDetected} / active {IsaActive}, {Runtime}, {Os}, load average {LoadAverage}";

    /// <summary>1/5/15-minute load average at the start: other work on the machine skews the figures.</summary>
    private static string LoadAverageNow()
    {
        const string loadAverage = "/proc/loadavg";
        return File.Exists(loadAverage) ? string.Join(' ', File.ReadAllText(loadAverage).Split(' ').Take(3)) : "?";
    }

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
