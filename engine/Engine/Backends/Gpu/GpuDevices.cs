using System.Collections.Concurrent;
using Engine.Tensors;
using ILGPU;
using ILGPU.Runtime;
using Device = Engine.Tensors.Device;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuDevice = ILGPU.Runtime.Device;

namespace Engine.Backends.Gpu;

/// <summary>
/// The GPUs ILGPU finds, and one <see cref="Device"/> (with its accelerator and backend) per GPU, made on first use
/// and kept for the life of the process.
/// </summary>
internal static class GpuDevices
{
    private static readonly Lazy<(Context? Context, string? Failure)> Shared = new(CreateContext);
    private static readonly ConcurrentDictionary<(DeviceKind, int), Lazy<Device>> Made = new();

    /// <summary>The ILGPU devices of <paramref name="kind"/> (empty when there is no driver or no device).</summary>
    public static IReadOnlyList<IlgpuDevice> Find(DeviceKind kind)
    {
        var context = Shared.Value.Context;
        if (context is null) return [];
        return kind switch
        {
            DeviceKind.Cuda => [.. context.GetCudaDevices()],
            DeviceKind.OpenCL => [.. context.GetCLDevices()],
            DeviceKind.Simulator => [.. context.GetCPUDevices()],
            _ => [],
        };
    }

    /// <summary>The device <paramref name="index"/> of <paramref name="kind"/>; throws a <see cref="DeviceUnavailableException"/> naming what is missing.</summary>
    public static Device Get(DeviceKind kind, int index)
    {
        var found = Find(kind);
        if (index < 0 || index >= found.Count)
            throw new DeviceUnavailableException(Missing(kind, index, found.Count));
        return Made.GetOrAdd((kind, index), key => new Lazy<Device>(() => Open(key.Item1, key.Item2, found[key.Item2]))).Value;
    }

    private static Device Open(DeviceKind kind, int index, IlgpuDevice device)
    {
        Accelerator accelerator;
        try
        {
            accelerator = device.CreateAccelerator(Shared.Value.Context!);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DeviceUnavailableException($"{kind} device {index} ({device.Name}) was found but could not be opened: {e.Message}", e);
        }
        return Device.Create(kind, index, device.Name, device.MemorySize, self => new GpuBackend(self, accelerator));
    }

    private static string Missing(DeviceKind kind, int index, int count)
    {
        string what = count == 0 ? $"no {kind} device was found" : $"only {count} {kind} device(s) were found (indices 0..{count - 1})";
        string hint = kind switch
        {
            DeviceKind.Cuda => "CUDA needs an NVIDIA GPU and its driver (libcuda).",
            DeviceKind.OpenCL => "OpenCL needs an ICD loader reachable as libOpenCL.so and a device with the generic address space (OpenCL 2.0+, e.g. PoCL 6).",
            _ => "",
        };
        string failure = Shared.Value.Failure is { } f ? $" ILGPU could not start: {f}" : "";
        return $"{kind} device {index} is not available: {what}. {hint}{failure}".TrimEnd();
    }

    private static (Context?, string?) CreateContext()
    {
        try
        {
            // Default math mode: float64 kernels must stay float64 (the fast 32-bit modes demote them). Profiling: the
            // upload staging waits on markers (events) for its slots.
            return (Context.Create(builder => builder.Cuda().OpenCL().CPU(CPUDeviceKind.Nvidia).EnableAlgorithms().Profiling()), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, e.Message);
        }
    }
}
