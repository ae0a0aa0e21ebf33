using System.Numerics;
using System.Runtime.InteropServices;

namespace Engine.Bench;

/// <summary>A 64-byte aligned block of native memory, filled with random values in [low, high) on creation.</summary>
internal sealed unsafe class NativeBuffer<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    public NativeBuffer(long length, int seed, double low = -1.0, double high = 1.0)
    {
        Length = length;
        Pointer = (T*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, length) * sizeof(T)), 64);
        var random = new Random(seed);
        for (long i = 0; i < length; i++)
            Pointer[i] = T.CreateTruncating(low + (high - low) * random.NextDouble());
    }

    public T* Pointer { get; private set; }

    public long Length { get; }

    public void Dispose()
    {
        if (Pointer == null) return;
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
