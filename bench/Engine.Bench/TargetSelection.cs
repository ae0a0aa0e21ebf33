using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// Turns <c>--device</c> and <c>--isa</c> into the targets a quick run measures. Devices: <c>cpu</c>, <c>cuda</c> (every
/// CUDA device) or <c>cuda:N</c>, <c>opencl</c> / <c>opencl:N</c>, <c>simulator</c>, <c>all</c> (the CPU plus every CUDA
/// and OpenCL device; never the simulator). ISA paths: <c>scalar</c>, <c>avx2</c>, <c>avx512</c>, <c>all</c> (every path
/// this CPU runs in hardware); the default is the detected path. A requested device or path the machine lacks is
/// skipped with a note, since an emulated AVX-512 timing or a missing GPU says nothing.
/// </summary>
internal static class TargetSelection
{
    /// <summary>The CPU paths this machine executes in hardware, best last.</summary>
    public static IReadOnlyList<CpuIsa> HardwareIsas(bool avx2, bool avx512) =>
        [CpuIsa.Scalar, .. avx2 ? [CpuIsa.Avx2] : Array.Empty<CpuIsa>(), .. avx512 ? [CpuIsa.Avx512] : Array.Empty<CpuIsa>()];

    /// <summary>Parses <c>--isa</c> against the paths the machine can run; unsupported ones go to <paramref name="notes"/>.</summary>
    public static IReadOnlyList<CpuIsa> ParseIsas(string? text, IReadOnlyList<CpuIsa> hardware, CpuIsa detected, List<string> notes)
    {
        if (string.IsNullOrWhiteSpace(text)) return [detected];
        var chosen = new List<CpuIsa>();
        foreach (var token in Tokens(text))
        {
            if (token == "all")
            {
                chosen.AddRange(hardware);
                if (!hardware.Contains(CpuIsa.Avx512)) notes.Add("isa all: avx512 left out, this CPU does not run it in hardware.");
                continue;
            }
            var isa = token switch
            {
                "scalar" => CpuIsa.Scalar,
                "avx2" => CpuIsa.Avx2,
                "avx512" => CpuIsa.Avx512,
                _ => throw new ArgumentException($"--isa '{text}': '{token}' is not a CPU path; use scalar, avx2, avx512 or all."),
            };
            if (hardware.Contains(isa)) chosen.Add(isa);
            else notes.Add($"isa {token} skipped: this CPU does not run it in hardware (an emulated timing means nothing).");
        }
        return chosen.Distinct().ToList();
    }

    /// <summary>A device token: kind and index (null index = every device of the kind).</summary>
    public readonly record struct DeviceRequest(DeviceKind Kind, int? Index);

    /// <summary>Parses <c>--device</c> into requests, in order, without opening anything.</summary>
    public static IReadOnlyList<DeviceRequest> ParseDevices(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [new(DeviceKind.Cpu, 0)];
        var requests = new List<DeviceRequest>();
        foreach (var token in Tokens(text))
        {
            if (token == "all")
            {
                requests.AddRange([new(DeviceKind.Cpu, 0), new(DeviceKind.Cuda, null), new(DeviceKind.OpenCL, null)]);
                continue;
            }
            var parts = token.Split(':', 2);
            var kind = parts[0] switch
            {
                "cpu" => DeviceKind.Cpu,
                "cuda" => DeviceKind.Cuda,
                "opencl" => DeviceKind.OpenCL,
                "simulator" => DeviceKind.Simulator,
                _ => throw new ArgumentException($"--device '{text}': '{token}' is not a device; use cpu, cuda[:N], opencl[:N], simulator or all."),
            };
            int? index = kind is DeviceKind.Cpu or DeviceKind.Simulator ? 0 : null;
            if (parts.Length == 2)
                index = int.TryParse(parts[1], out int i) && i >= 0 ? i
                    : throw new ArgumentException($"--device '{text}': '{parts[1]}' is not a device index.");
            requests.Add(new(kind, index));
        }
        return requests.Distinct().ToList();
    }

    /// <summary>
    /// The targets to measure: each CPU path for the CPU, then each GPU device found that matches a request.
    /// <paramref name="found"/> lists the GPUs on the machine (kind, index) as <see cref="Device.Available"/> does.
    /// </summary>
    public static IReadOnlyList<(DeviceKind Kind, int Index, CpuIsa? Isa)> Resolve(IReadOnlyList<DeviceRequest> requests,
        IReadOnlyList<CpuIsa> isas, IReadOnlyList<(DeviceKind Kind, int Index)> found, List<string> notes)
    {
        var targets = new List<(DeviceKind, int, CpuIsa?)>();
        foreach (var request in requests)
        {
            if (request.Kind == DeviceKind.Cpu) { targets.AddRange(isas.Select(isa => (DeviceKind.Cpu, 0, (CpuIsa?)isa))); continue; }
            if (request.Kind == DeviceKind.Simulator) { targets.Add((DeviceKind.Simulator, 0, null)); continue; }
            var matching = found.Where(d => d.Kind == request.Kind && (request.Index == null || d.Index == request.Index)).ToList();
            if (matching.Count == 0)
                notes.Add($"device {request.Kind.ToString().ToLowerInvariant()}{(request.Index is int i ? ":" + i : "")} skipped: none found on this machine.");
            targets.AddRange(matching.Select(d => (d.Kind, d.Index, (CpuIsa?)null)));
        }
        return targets.Distinct().ToList();
    }

    private static IEnumerable<string> Tokens(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t.ToLowerInvariant());
}
