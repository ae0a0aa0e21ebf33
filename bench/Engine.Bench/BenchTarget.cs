using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>Where a case runs: a device, and for the CPU the instruction-set path its kernels are pinned to.</summary>
internal sealed record BenchTarget(Device Device, CpuIsa? Isa)
{
    public bool IsGpu => Device.IsGpu;

    /// <summary>The device column: <c>cpu</c>, <c>cuda:0</c>, <c>opencl:1</c>, <c>simulator:0</c>.</summary>
    public string DeviceText => Device.ToString();

    /// <summary>The isa column: the CPU path (lower case), or "-" on a GPU.</summary>
    public string IsaText => Isa?.ToString().ToLowerInvariant() ?? "-";

    /// <summary>Pins the CPU kernels to this target's path (GPU targets keep the detected one for host-side work).</summary>
    public void Activate() => IsaDispatch.Force(Isa);

    public override string ToString() => IsGpu ? $"{DeviceText} ({Device.Name})" : $"cpu/{IsaText}";
}
