using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Engine.Backends.Cpu;

/// <summary>
/// A caching allocator of 64-byte-aligned native blocks, in size classes (four per power of two), so a
/// training loop reuses the same warm pages step after step instead of touching fresh memory.
/// </summary>
/// <remarks>
/// Blocks come back from <see cref="Storage.Dispose"/> or from the storage finalizer. The GC cannot see
/// native bytes, and tensor objects are tiny, so a loop that never disposes would pile up garbage
/// blocks between collections; instead, whenever the bytes in use grow past a threshold the pool runs
/// a young-generation collection and the finalizers, and sets the next threshold to twice what is then
/// still in use (at least <see cref="CollectionBudget"/> more), the way a GC heap grows.
/// </remarks>
public static class CpuMemoryPool
{
    private const long MinBlock = 64;
    private static readonly ConcurrentDictionary<long, ConcurrentBag<nint>> FreeBlocks = new();
    private static long _inUse, _cached, _peak;
    private static long _collectThreshold = 32L << 20;
    private static int _collecting;

    /// <summary>Growth of bytes in use that triggers a collection of unreachable tensors (default 32 MiB).</summary>
    public static long CollectionBudget { get; set; } = 32L << 20;

    /// <summary>Most bytes kept cached; beyond this, returned blocks are freed.</summary>
    public static long CacheLimit { get; set; } = 2L << 30;

    /// <summary>Current counters.</summary>
    public static MemoryStatistics Statistics =>
        new(Interlocked.Read(ref _inUse), Interlocked.Read(ref _cached), Interlocked.Read(ref _peak));

    /// <summary>Frees every cached block.</summary>
    public static void ReleaseCached()
    {
        foreach (var (size, bag) in FreeBlocks)
            while (bag.TryTake(out var block))
                Free(block, size);
    }

    /// <summary>Rents a block of at least <paramref name="bytes"/> bytes; <paramref name="blockSize"/> is what to return.</summary>
    internal static unsafe nint Rent(long bytes, out long blockSize)
    {
        blockSize = SizeClass(bytes);
        if (Interlocked.Read(ref _inUse) + blockSize > Interlocked.Read(ref _collectThreshold)) CollectGarbageBlocks();
        nint block;
        if (FreeBlocks.TryGetValue(blockSize, out var bag) && bag.TryTake(out block))
            Interlocked.Add(ref _cached, -blockSize);
        else
        {
            block = (nint)NativeMemory.AlignedAlloc((nuint)blockSize, 64);
            if (block == 0) throw new OutOfMemoryException($"CPU memory pool: cannot allocate {bytes} bytes.");
        }
        long inUse = Interlocked.Add(ref _inUse, blockSize);
        long peak;
        while (inUse > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, inUse, peak) != peak) { }
        return block;
    }

    /// <summary>Takes a block back for reuse (or frees it when the cache is full).</summary>
    internal static void Return(nint block, long blockSize)
    {
        Interlocked.Add(ref _inUse, -blockSize);
        if (Interlocked.Read(ref _cached) + blockSize > CacheLimit)
        {
            Free(block, blockSize);
            return;
        }
        Interlocked.Add(ref _cached, blockSize);
        FreeBlocks.GetOrAdd(blockSize, _ => new ConcurrentBag<nint>()).Add(block);
    }

    private static unsafe void Free(nint block, long blockSize)
    {
        NativeMemory.AlignedFree((void*)block);
    }

    /// <summary>Collects unreachable tensors so their finalizers hand blocks back, then raises the threshold.</summary>
    private static void CollectGarbageBlocks()
    {
        if (Interlocked.Exchange(ref _collecting, 1) == 1) return; // another thread is already collecting
        try
        {
            long before = Interlocked.Read(ref _inUse);
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            long live = Interlocked.Read(ref _inUse);
            if (live > before / 2)
            {
                // Little came back from the young generations: the garbage has been promoted, so look everywhere.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                live = Interlocked.Read(ref _inUse);
            }
            Interlocked.Exchange(ref _collectThreshold, live + Math.Max(CollectionBudget, live));
        }
        finally
        {
            Interlocked.Exchange(ref _collecting, 0);
        }
    }

    /// <summary>Rounds up to one of four classes per power of two (waste ≤ 25%).</summary>
    private static long SizeClass(long bytes)
    {
        if (bytes <= MinBlock) return MinBlock;
        int log = 63 - BitOperations.LeadingZeroCount((ulong)(bytes - 1));
        long quarter = 1L << Math.Max(0, log - 2);
        return (bytes + quarter - 1) / quarter * quarter;
    }
}
