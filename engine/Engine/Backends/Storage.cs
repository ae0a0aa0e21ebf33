using Engine.Tensors;

namespace Engine.Backends;

/// <summary>
/// A block of device memory that one or more tensors view. Users never need to dispose CPU storage: a
/// finalizer hands the block back to its device's pool; <see cref="Dispose"/> does so at once.
/// </summary>
public abstract class Storage : IDisposable
{
    /// <summary>Creates storage of <paramref name="count"/> elements of <paramref name="dtype"/>.</summary>
    protected Storage(Device device, DType dtype, long count)
    {
        Device = device;
        DType = dtype;
        Count = count;
    }

    /// <summary>The device that owns the memory.</summary>
    public Device Device { get; }

    /// <summary>The element type the memory was allocated for.</summary>
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public long Count { get; }

    /// <summary>Size in bytes.</summary>
    public long ByteLength => Count * DType.SizeOf();

    /// <summary>True once the memory has been handed back.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Hands the memory back to the device now. Tensors viewing it can no longer be used.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Safety net: memory that was never disposed goes back when the storage is collected.</summary>
    ~Storage()
    {
        if (!IsDisposed) Release(disposing: false);
    }

    /// <summary>Returns the memory to the device (called once, from Dispose or the finalizer).</summary>
    /// <param name="disposing">True from <see cref="Dispose"/>; false on the finalizer thread, where a device must not be called.</param>
    protected abstract void Release(bool disposing);

    /// <summary>Throws a clear error when the storage was disposed.</summary>
    protected void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new ObjectDisposedException(nameof(Storage), $"The {DType.Name()} storage of {Count} elements on {Device} was disposed; the tensor viewing it can no longer be used.");
    }
}
