namespace Engine.Kernels.Gpu;

/// <summary>
/// A device allocation failed even after the pool released its cache: the message names the accelerator, the
/// bytes requested and the bytes free.
/// </summary>
public sealed class GpuOutOfMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="device">The accelerator's name and type.</param>
    /// <param name="requestedBytes">The bytes the caller asked for.</param>
    /// <param name="freeBytes">The bytes the pool saw free on the device.</param>
    /// <param name="inner">The accelerator's own allocation failure, if there was one.</param>
    public GpuOutOfMemoryException(string device, long requestedBytes, long freeBytes, Exception? inner = null)
        : base($"GPU out of memory on {device}: requested {requestedBytes} bytes, {freeBytes} bytes free.", inner)
    {
        Device = device;
        RequestedBytes = requestedBytes;
        FreeBytes = freeBytes;
    }

    /// <summary>The accelerator's name and type.</summary>
    public string Device { get; }

    /// <summary>The bytes the caller asked for.</summary>
    public long RequestedBytes { get; }

    /// <summary>The bytes the pool saw free on the device.</summary>
    public long FreeBytes { get; }
}
