using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// A caching allocator of device buffers on one ILGPU <see cref="Accelerator"/>, in size classes (four per power of
/// two, waste ≤ 25%), so a training loop reuses the same buffers step after step instead of allocating on the device.
/// Mirrors the CPU engine's memory pool: lock-free counters and one bag of free buffers per size class.
/// </summary>
/// <remarks>
/// <para><see cref="For"/> gives the shared pool of an accelerator (it lives as long as the accelerator); the
/// constructor makes a separate one, e.g. with a <c>capacityBytes</c> limit. Blocks go back through
/// <see cref="GpuBlock.Dispose"/> or, as a safety net, the block's finalizer.</para>
/// <para>The pool keeps a strong reference to every buffer it rented out, so a buffer never dies by its own
/// finalizer together with a forgotten block: the block's finalizer hands it back instead. Once the accelerator is
/// disposed (which frees every buffer on it) returned buffers are only counted, never touched.</para>
/// <para>Out of device memory (the accelerator fails to allocate, or the pool's capacity would be exceeded) the pool
/// releases its cache and tries once more before throwing <see cref="GpuOutOfMemoryException"/>.</para>
/// <para>Reuse is stream-ordered, as in PyTorch's caching allocator: every kernel and copy of the engine is queued on
/// the accelerator's one default stream and runs in queue order, so a block handed back while kernels that use it
/// are still queued, and rented again at once, is only touched by work queued after them. Returning or renting a
/// block therefore never waits for the device, and neither do host writes into a rented block: ILGPU queues
/// <c>CopyFromCPU</c> on the same stream (CUDA <c>cuMemcpyHtoDAsync</c> on it, OpenCL a non-blocking
/// <c>clEnqueueWriteBuffer</c> on its in-order queue; the CPU accelerator runs kernels and copies on the calling
/// thread, in program order). Only freeing a device buffer (<see cref="ReleaseCached"/>, a full cache, the retry
/// after a failed allocation) first waits for the device once: OpenCL's <c>clReleaseMemObject</c> defers the
/// deletion until queued commands are done, but ILGPU's CUDA buffer frees with <c>cuMemFree</c>, which promises no
/// such thing.</para>
/// </remarks>
public sealed class GpuMemoryPool
{
    private const long MinBlock = 256;
    private static readonly ConditionalWeakTable<Accelerator, GpuMemoryPool> Shared = new();

    private readonly ConcurrentDictionary<long, ConcurrentBag<MemoryBuffer1D<byte, Stride1D.Dense>>> _free = new();
    private readonly ConcurrentDictionary<MemoryBuffer1D<byte, Stride1D.Dense>, byte> _rented = new();
    private readonly ConcurrentQueue<MemoryBuffer1D<byte, Stride1D.Dense>> _toFree = new();
    private long _inUse, _cached, _peak, _held;

    /// <summary>Creates a pool of its own on <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">The device the buffers live on.</param>
    /// <param name="capacityBytes">The most bytes (in use plus cached) the pool may hold on the device; 0 for no limit
    /// but the device's own.</param>
    public GpuMemoryPool(Accelerator accelerator, long capacityBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        Accelerator = accelerator;
        CapacityBytes = capacityBytes;
    }

    /// <summary>The shared pool of <paramref name="accelerator"/>, made on first use and kept while it lives.</summary>
    /// <param name="accelerator">The device.</param>
    public static GpuMemoryPool For(Accelerator accelerator) => Shared.GetValue(accelerator, a => new GpuMemoryPool(a));

    /// <summary>The device the buffers live on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The most bytes (in use plus cached) the pool may hold on the device; 0 for no limit but the device's.</summary>
    public long CapacityBytes { get; }

    /// <summary>Most bytes kept cached; beyond this, returned blocks are freed (default 2 GiB).</summary>
    public long CacheLimit { get; set; } = 2L << 30;

    /// <summary>Bytes of blocks rented and not yet returned.</summary>
    public long InUse => Interlocked.Read(ref _inUse);

    /// <summary>Bytes of device buffers kept for reuse.</summary>
    public long Cached => Interlocked.Read(ref _cached);

    /// <summary>The largest <see cref="InUse"/> seen.</summary>
    public long PeakInUse => Interlocked.Read(ref _peak);

    /// <summary>The three counters at once.</summary>
    public GpuMemoryStatistics Statistics => new(InUse, Cached, PeakInUse);

    /// <summary>The size class a request of <paramref name="bytes"/> bytes is rounded up to (four per power of two).</summary>
    /// <param name="bytes">The requested bytes (≥ 0).</param>
    public static long SizeClass(long bytes)
    {
        if (bytes <= MinBlock) return MinBlock;
        int log = 63 - BitOperations.LeadingZeroCount((ulong)(bytes - 1));
        long quarter = 1L << Math.Max(0, log - 2);
        return (bytes + quarter - 1) / quarter * quarter;
    }

    /// <summary>Rents a block of at least <paramref name="bytes"/> bytes: a cached buffer of its size class, or a new one.</summary>
    /// <param name="bytes">The bytes needed (≥ 0).</param>
    /// <exception cref="GpuOutOfMemoryException">The device (or the pool's capacity) cannot hold the block even after
    /// the cache was released.</exception>
    public GpuBlock Rent(long bytes)
    {
        if (bytes < 0)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"GpuMemoryPool.Rent on {DeviceName}: bytes must be ≥ 0, got {bytes}.");
        ObjectDisposedException.ThrowIf(Accelerator.IsDisposed, Accelerator);
        FreeQueued();
        long size = SizeClass(bytes);
        if (_free.TryGetValue(size, out var bag) && bag.TryTake(out var buffer))
            Interlocked.Add(ref _cached, -size);
        else
            buffer = AllocateOrRetry(bytes, size);
        _rented.TryAdd(buffer, 0);
        long inUse = Interlocked.Add(ref _inUse, size);
        long peak;
        while (inUse > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, inUse, peak) != peak) { }
        return new GpuBlock(this, buffer, bytes);
    }

    /// <summary>Frees every cached buffer (and any a finalizer left to be freed).</summary>
    public void ReleaseCached()
    {
        var doomed = new List<MemoryBuffer1D<byte, Stride1D.Dense>>();
        while (_toFree.TryDequeue(out var queued)) doomed.Add(queued);
        foreach (var (size, bag) in _free)
            while (bag.TryTake(out var buffer))
            {
                Interlocked.Add(ref _cached, -size);
                doomed.Add(buffer);
            }
        Free(doomed);
    }

    /// <summary>Takes a buffer back for reuse, or frees it when the cache is full.</summary>
    /// <param name="buffer">The buffer of a block rented from this pool.</param>
    /// <param name="fromFinalizer">True on the finalizer thread: then the accelerator is not called; a buffer that
    /// must be freed is queued for the next call on a user thread.</param>
    internal void Return(MemoryBuffer1D<byte, Stride1D.Dense> buffer, bool fromFinalizer)
    {
        long size = buffer.Length;
        _rented.TryRemove(buffer, out _);
        Interlocked.Add(ref _inUse, -size);
        if (Interlocked.Add(ref _cached, size) > CacheLimit)
        {
            Interlocked.Add(ref _cached, -size);
            if (fromFinalizer) _toFree.Enqueue(buffer);
            else Free([buffer]);
            return;
        }
        _free.GetOrAdd(size, _ => new ConcurrentBag<MemoryBuffer1D<byte, Stride1D.Dense>>()).Add(buffer);
    }

    private string DeviceName => $"{Accelerator.Name} ({Accelerator.AcceleratorType})";

    private MemoryBuffer1D<byte, Stride1D.Dense> AllocateOrRetry(long bytes, long size)
    {
        if (TryAllocate(size, out var buffer, out _)) return buffer;
        ReleaseCached();
        if (TryAllocate(size, out buffer, out var failure)) return buffer;
        long limit = CapacityBytes > 0 ? CapacityBytes : Accelerator.MemorySize;
        throw new GpuOutOfMemoryException(DeviceName, bytes, Math.Max(0, limit - Interlocked.Read(ref _held)), failure);
    }

    /// <summary>Allocates within the capacity; an accelerator failure is caught and handed back.</summary>
    private bool TryAllocate(long size, out MemoryBuffer1D<byte, Stride1D.Dense> buffer, out Exception? failure)
    {
        buffer = null!;
        failure = null;
        long held = Interlocked.Add(ref _held, size);
        if (CapacityBytes > 0 && held > CapacityBytes)
        {
            Interlocked.Add(ref _held, -size);
            return false;
        }
        try
        {
            buffer = Accelerator.Allocate1D<byte>(size);
            return true;
        }
        catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
        {
            Interlocked.Add(ref _held, -size);
            failure = e;
            return false;
        }
    }

    private void FreeQueued()
    {
        if (_toFree.IsEmpty) return;
        var doomed = new List<MemoryBuffer1D<byte, Stride1D.Dense>>();
        while (_toFree.TryDequeue(out var buffer)) doomed.Add(buffer);
        Free(doomed);
    }

    /// <summary>
    /// Frees device buffers after one wait for the device: kernels queued before their blocks came back may still
    /// be using them (see the remarks on stream-ordered reuse).
    /// </summary>
    private void Free(List<MemoryBuffer1D<byte, Stride1D.Dense>> buffers)
    {
        if (buffers.Count == 0) return;
        foreach (var buffer in buffers) Interlocked.Add(ref _held, -buffer.Length);
        if (Accelerator.IsDisposed) return; // a disposed accelerator already freed its buffers
        Accelerator.Synchronize();
        foreach (var buffer in buffers) buffer.Dispose();
    }
}
