using System.Runtime.InteropServices;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>A GPU found on the machine: kind, ordinal, the driver's name and its memory.</summary>
internal sealed record GpuInfo(string Device, string Kind, int Index, string Name, double MemoryGiB)
{
    public override string ToString() => $"{Device}  {Name}  ({MemoryGiB:F1} GiB)";
}

/// <summary>What the numbers were measured on: CPU model, ISA paths, cores, and every CUDA and OpenCL device found.</summary>
internal sealed record MachineInfo(string Cpu, int ProcessorCount, string IsaDetected, string IsaActive, bool Avx2Supported,
    bool Avx512Accelerated, string Runtime, string Os, string LoadAverage, IReadOnlyList<GpuInfo> Gpus)
{
    public static MachineInfo Current() => new(
        CpuName(), Environment.ProcessorCount, IsaDispatch.Detected.ToString(), IsaDispatch.Active.ToString(),
        IsaDispatch.Avx2Supported, IsaDispatch.Avx512Accelerated,
        RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, LoadAverageNow(), GpusFound());

    public override string ToString() =>
        $"{Cpu}, {ProcessorCount} logical cores, ISA detected {IsaDetected} / active {IsaActive}, {Runtime}, {Os}, load average {LoadAverage}";

    /// <summary>The report printed at the top of a run: the CPU line, then one line per GPU (or that none was found).</summary>
    public string Report() =>
        $"Machine: {this}{Environment.NewLine}" +
        (Gpus.Count == 0 ? "GPUs: none found (no CUDA or OpenCL device)" : "GPUs:" + string.Concat(Gpus.Select(g => $"{Environment.NewLine}  {g}")));

    /// <summary>The GPUs <see cref="Device.Available"/> lists (a device that fails to open is left out, with a note on stderr).</summary>
    private static IReadOnlyList<GpuInfo> GpusFound()
    {
        try
        {
            return Device.Available().Where(d => d.Device.IsGpu).Select(d => new GpuInfo(d.Device.ToString(),
                d.Device.Kind.ToString(), d.Device.Index, d.Name, d.MemoryBytes / (double)(1L << 30))).ToList();
        }
        catch (DeviceUnavailableException e)
        {
            Console.Error.WriteLine($"  listing GPUs failed: {e.Message}");
            return [];
        }
    }

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
