using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Backends.Gpu;

namespace Engine.Tensors;

/// <summary>The kind of processor a device is.</summary>
public enum DeviceKind
{
    /// <summary>The host CPU.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda,
    /// <summary>An OpenCL device.</summary>
    OpenCL,
    /// <summary>
    /// ILGPU's CPU accelerator simulating an NVIDIA GPU (warp 32, 1024 threads per group): runs the GPU backend's kernels
    /// on the host, slowly, to test and debug them without a GPU.
    /// </summary>
    Simulator,
}

/// <summary>A device found on this machine: what <see cref="Device.Available"/> lists.</summary>
/// <param name="Device">The device (opening it creates its accelerator on first use).</param>
/// <param name="Name">The name the driver reports.</param>
/// <param name="MemoryBytes">The device's memory in bytes (the host's for the CPU).</param>
public readonly record struct DeviceInfo(Device Device, string Name, long MemoryBytes)
{
    /// <summary>e.g. <c>cuda:0  NVIDIA H200  (139.8 GiB)</c>.</summary>
    public override string ToString() => $"{Device}  {Name}  ({MemoryBytes / (double)(1L << 30):F1} GiB)";
}

/// <summary>
/// Where a tensor's storage lives and where ops on it run. Every device has one <see cref="IBackend"/>
/// that implements the primitive ops; tensors on different devices never mix implicitly: move them with
/// <see cref="Tensor.To(Device)"/>.
/// </summary>
public sealed class Device : IEquatable<Device>
{
    private Device(DeviceKind kind, int index, string name, long memoryBytes, Func<Device, IBackend> backend)
    {
        Kind = kind;
        Index = index;
        Name = name;
        MemoryBytes = memoryBytes;
        Backend = backend(this);
    }

    /// <summary>The host CPU (the device tensors are created on unless told otherwise).</summary>
    public static Device Cpu { get; } = new(DeviceKind.Cpu, 0, "cpu", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, self => new CpuBackend(() => self));

    /// <summary>CUDA device <paramref name="index"/>.</summary>
    /// <param name="index">The ordinal among the CUDA devices (see <see cref="Available"/>).</param>
    /// <exception cref="DeviceUnavailableException">There is no such CUDA device, no driver, or it cannot be opened.</exception>
    public static Device Cuda(int index = 0) => GpuDevices.Get(DeviceKind.Cuda, index);

    /// <summary>OpenCL device <paramref name="index"/>.</summary>
    /// <param name="index">The ordinal among the OpenCL devices ILGPU supports (see <see cref="Available"/>).</param>
    /// <exception cref="DeviceUnavailableException">There is no such OpenCL device, no ICD loader, or it cannot be opened.</exception>
    public static Device OpenCL(int index = 0) => GpuDevices.Get(DeviceKind.OpenCL, index);

    /// <summary>
    /// ILGPU's CPU simulator of an NVIDIA GPU: the GPU backend and its kernels running on the host. For tests and
    /// debugging only; it is far slower than <see cref="Cpu"/>.
    /// </summary>
    public static Device GpuSimulator => GpuDevices.Get(DeviceKind.Simulator, 0);

    /// <summary>The first CUDA device, else the first OpenCL device, else the CPU: never throws.</summary>
    public static Device Default => DefaultDevice.Value;

    private static readonly Lazy<Device> DefaultDevice = new(() =>
    {
        foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL })
        {
            if (GpuDevices.Find(kind).Count == 0) continue;
            try { return GpuDevices.Get(kind, 0); }
            catch (DeviceUnavailableException) { } // found but cannot be opened: try the next kind
        }
        return Cpu;
    });

    /// <summary>The devices found on this machine: the CPU, then every CUDA and OpenCL device, with names and memory.</summary>
    public static IReadOnlyList<DeviceInfo> Available()
    {
        var list = new List<DeviceInfo> { new(Cpu, Environment.MachineName + " CPU", Cpu.MemoryBytes) };
        foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL })
        {
            var found = GpuDevices.Find(kind);
            for (int i = 0; i < found.Count; i++)
                list.Add(new DeviceInfo(GpuDevices.Get(kind, i), found[i].Name, found[i].MemorySize));
        }
        return list;
    }

    /// <summary>Makes a GPU device around its backend (called once per device by the GPU registry).</summary>
    internal static Device Create(DeviceKind kind, int index, string name, long memoryBytes, Func<Device, IBackend> backend) =>
        new(kind, index, name, memoryBytes, backend);

    /// <summary>The kind of device.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The device's ordinal among devices of its kind.</summary>
    public int Index { get; }

    /// <summary>A human-readable name.</summary>
    public string Name { get; }

    /// <summary>The device's memory in bytes (the memory available to this process for the CPU).</summary>
    public long MemoryBytes { get; }

    /// <summary>True for a GPU (or the GPU simulator): memory the host cannot read directly.</summary>
    public bool IsGpu => Kind != DeviceKind.Cpu;

    /// <summary>The primitive-op implementation for this device.</summary>
    public IBackend Backend { get; }

    /// <summary>Bytes of this device's memory held by tensors, kept cached for reuse, and the peak in use.</summary>
    public MemoryStatistics MemoryStatistics => Backend.MemoryStatistics;

    /// <summary>Frees the memory this device's pool keeps cached for reuse (tensors still alive keep theirs).</summary>
    public void ReleaseCachedMemory() => Backend.ReleaseCachedMemory();

    /// <summary>Waits until every op queued on this device has finished (nothing to wait for on the CPU).</summary>
    public void Synchronize() => Backend.Synchronize();

    /// <inheritdoc/>
    public bool Equals(Device? other) => other is not null && other.Kind == Kind && other.Index == Index;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Device d && Equals(d);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Index);
    /// <summary>e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"{Kind.ToString().ToLowerInvariant()}:{Index}";
}
