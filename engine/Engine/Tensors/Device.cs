using Engine.Backends;
using Engine.Backends.Cpu;

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
}

/// <summary>
/// Where a tensor's storage lives and where ops on it run. Every device has one <see cref="IBackend"/>
/// that implements the primitive ops; tensors on different devices never mix implicitly.
/// </summary>
public sealed class Device : IEquatable<Device>
{
    private Device(DeviceKind kind, int index, string name, IBackend backend)
    {
        Kind = kind;
        Index = index;
        Name = name;
        Backend = backend;
    }

    /// <summary>The host CPU (the default device).</summary>
    public static Device Cpu { get; } = CreateCpu();

    /// <summary>The kind of device.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The device's ordinal among devices of its kind.</summary>
    public int Index { get; }

    /// <summary>A human-readable name.</summary>
    public string Name { get; }

    /// <summary>The primitive-op implementation for this device.</summary>
    public IBackend Backend { get; }

    /// <summary>Creates a device around a backend (used by GPU backends to register their devices).</summary>

    private static Device CreateCpu()
    {
        Device? device = null;
        var backend = new CpuBackend(() => device!);
        device = new Device(DeviceKind.Cpu, 0, "cpu", backend);
        return device;
    }

    /// <inheritdoc/>
    public bool Equals(Device? other) => other is not null && other.Kind == Kind && other.Index == Index;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Device d && Equals(d);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Index);
    /// <summary>e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"{Kind.ToString().ToLowerInvariant()}:{Index}";
}
