using Engine.Kernels.Gpu;
using Engine.Tensors;
using ILGPU;
using ILGPU.Runtime;
using Device = Engine.Tensors.Device;

namespace Engine.Backends.Gpu;

/// <summary>Storage in a GPU's memory: a block rented from the device's <see cref="GpuMemoryPool"/>.</summary>
public sealed class GpuStorage : Storage
{
    private readonly GpuBlock _block;

    internal GpuStorage(Device device, DType dtype, long count, GpuMemoryPool pool) : base(device, dtype, count)
    {
        _block = pool.Rent(Math.Max(1, count * dtype.SizeOf()));
    }

    /// <summary>The elements from <paramref name="offset"/> to the end of the storage, as T.</summary>
    internal ArrayView<T> View<T>(long offset) where T : unmanaged
    {
        ThrowIfDisposed();
        var all = _block.View<T>();
        return all.SubView(offset, Math.Max(0, Count - offset));
    }

    /// <summary>The bytes [<paramref name="byteOffset"/>, <paramref name="byteOffset"/> + <paramref name="length"/>).</summary>
    internal ArrayView<byte> Bytes(long byteOffset, long length)
    {
        ThrowIfDisposed();
        return _block.View<byte>().SubView(byteOffset, length);
    }

    /// <inheritdoc/>
    /// <remarks>From the finalizer nothing is done here: the block's own finalizer hands it back without touching the device.</remarks>
    protected override void Release(bool disposing)
    {
        if (disposing) _block.Dispose();
    }
}
