using Engine.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>Storage in host memory, rented from <see cref="CpuMemoryPool"/>.</summary>
public sealed unsafe class CpuStorage : Storage
{
    private readonly nint _block;
    private readonly long _blockSize;

    internal CpuStorage(Device device, DType dtype, long count) : base(device, dtype, count)
    {
        _block = CpuMemoryPool.Rent(Math.Max(1, count * dtype.SizeOf()), out _blockSize);
    }

    /// <summary>Address of the first element. The caller keeps this storage alive while using it.</summary>
    public void* Pointer
    {
        get
        {
            ThrowIfDisposed();
            return (void*)_block;
        }
    }

    /// <inheritdoc/>
    protected override void Release(bool disposing) => CpuMemoryPool.Return(_block, _blockSize);
}
