using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// A device buffer rented from a <see cref="GpuMemoryPool"/>: <see cref="Dispose"/> hands it back (once; later
/// calls do nothing), and a finalizer hands it back if the owner forgot.
/// </summary>
/// <remarks>
/// The finalizer never calls into the accelerator (it may already be disposed, and device calls from the
/// finalizer thread are unsafe): it only moves the buffer into the pool's cache, or queues it to be freed by the
/// next <see cref="GpuMemoryPool.Rent"/> or <see cref="GpuMemoryPool.ReleaseCached"/> on a user thread.
/// </remarks>
public sealed class GpuBlock : IDisposable
{
    private readonly GpuMemoryPool _pool;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _buffer;
    private int _returned;

    internal GpuBlock(GpuMemoryPool pool, MemoryBuffer1D<byte, Stride1D.Dense> buffer, long requestedBytes)
    {
        _pool = pool;
        _buffer = buffer;
        RequestedBytes = requestedBytes;
    }

    /// <summary>Hands the block back if it was never disposed.</summary>
    ~GpuBlock() => Return(fromFinalizer: true);

    /// <summary>The bytes of the block: its size class, at least <see cref="RequestedBytes"/>.</summary>
    public long Bytes => _buffer.Length;

    /// <summary>The bytes the caller asked for.</summary>
    public long RequestedBytes { get; }

    /// <summary>The device buffer; it goes back to the pool (and may be reused) once the block is disposed.</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense> Buffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _returned) != 0, this);
            return _buffer;
        }
    }

    /// <summary>The first <see cref="RequestedBytes"/> / sizeof(T) elements of the block, as T.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public unsafe ArrayView<T> View<T>() where T : unmanaged =>
        ((ArrayView<byte>)Buffer.View).Cast<T>().SubView(0, RequestedBytes / sizeof(T));

    /// <summary>Hands the block back to its pool; calling it again does nothing.</summary>
    public void Dispose()
    {
        Return(fromFinalizer: false);
        GC.SuppressFinalize(this);
    }

    private void Return(bool fromFinalizer)
    {
        if (Interlocked.Exchange(ref _returned, 1) != 0) return;
        _pool.Return(_buffer, fromFinalizer);
    }
}
