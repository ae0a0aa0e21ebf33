using System.Runtime.InteropServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The per-thread, 64-byte aligned buffers that hold packed A blocks and B panels. Allocated on first use
/// and grown only when a larger blocking asks for more, so the hot path never allocates; freed when the
/// owning thread dies (finalizer).
/// </summary>
internal sealed unsafe class PackScratch
{
    private const nuint Alignment = 64;

    [ThreadStatic] private static PackScratch? t_current;

    private void* _packedA;
    private nuint _packedABytes;
    private void* _packedB;
    private nuint _packedBBytes;
    private void* _columns;
    private nuint _columnsBytes;

    /// <summary>The calling thread's scratch.</summary>
    public static PackScratch Current => t_current ??= new PackScratch();

    /// <summary>A buffer of at least <paramref name="elements"/> T for packed A.</summary>
    public T* PackedA<T>(long elements) where T : unmanaged =>
        (T*)Ensure(ref _packedA, ref _packedABytes, (nuint)elements * (nuint)sizeof(T));

    /// <summary>A buffer of at least <paramref name="elements"/> T for packed B.</summary>
    public T* PackedB<T>(long elements) where T : unmanaged =>
        (T*)Ensure(ref _packedB, ref _packedBBytes, (nuint)elements * (nuint)sizeof(T));

    /// <summary>A buffer of at least <paramref name="elements"/> T for a block of the im2col matrix.</summary>
    public T* Columns<T>(long elements) where T : unmanaged =>
        (T*)Ensure(ref _columns, ref _columnsBytes, (nuint)elements * (nuint)sizeof(T));

    private static void* Ensure(ref void* buffer, ref nuint capacity, nuint bytes)
    {
        if (bytes <= capacity) return buffer;
        NativeMemory.AlignedFree(buffer);
        buffer = null;
        capacity = 0;
        buffer = NativeMemory.AlignedAlloc(bytes, Alignment);
        capacity = bytes;
        return buffer;
    }

    ~PackScratch()
    {
        NativeMemory.AlignedFree(_packedA);
        NativeMemory.AlignedFree(_packedB);
        NativeMemory.AlignedFree(_columns);
    }
}
