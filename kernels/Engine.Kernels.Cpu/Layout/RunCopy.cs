using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Copies of short contiguous runs (an im2col row segment, a packed GEMM sliver row): whole vectors, the last one
/// overlapping the one before where the length is not a multiple (rewriting the same values), so a 9-, 11- or
/// 6-element run takes two vector copies instead of a scalar tail.
/// </summary>
internal static unsafe class RunCopy
{
    /// <summary>to[i] = from[i] for i &lt; count; the two runs must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<T>(T* from, T* to, int count) where T : unmanaged
    {
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int wide = Vector256<T>.Count, narrow = Vector128<T>.Count;
            if (count >= wide)
            {
                int i = 0;
                for (; i + wide <= count; i += wide) Vector256.Store(Vector256.Load(from + i), to + i);
                if (i < count) Vector256.Store(Vector256.Load(from + count - wide), to + count - wide);
                return;
            }
            if (count >= narrow)
            {
                Vector128.Store(Vector128.Load(from), to);
                if (count > narrow) Vector128.Store(Vector128.Load(from + count - narrow), to + count - narrow);
                return;
            }
        }
        for (int i = 0; i < count; i++) to[i] = from[i];
    }
}
