namespace Engine.Kernels.Cpu;

/// <summary>
/// Byte-mask conversions of one vector width, for <see cref="Compare"/> and <see cref="Select"/>:
/// <typeparamref name="T"/> is float, double, int or byte there.
/// </summary>
internal unsafe interface IMaskSimd<TV, T> where TV : struct where T : unmanaged
{
    /// <summary>Bit i set where lane i of the mask is set (its sign bit), for the Count lanes.</summary>
    static abstract ulong MaskBits(TV mask);
    /// <summary>All-ones in lane i where <c>cond[i] != 0</c>, reading exactly Count bytes.</summary>
    static abstract TV ConditionMask(byte* cond);
}

/// <summary>Expands mask bits into 0/1 bytes: eight bits at a time through a 256-entry table.</summary>
internal static unsafe class MaskBytes
{
    private static readonly ulong[] Table = Build();

    private static ulong[] Build()
    {
        var table = new ulong[256];
        for (int bits = 0; bits < 256; bits++)
            for (int k = 0; k < 8; k++)
                if ((bits >> k & 1) != 0) table[bits] |= 1UL << (8 * k);
        return table;
    }

    /// <summary>Writes <paramref name="count"/> (4, 8, 16, 32 or 64) bytes y[k] = bit k of <paramref name="bits"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* y, ulong bits, int count)
    {
        ref ulong table = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Table);
        if (count == 4)
        {
            *(uint*)y = (uint)System.Runtime.CompilerServices.Unsafe.Add(ref table, (nint)(bits & 0xF));
            return;
        }
        for (int k = 0; k < count; k += 8)
            *(ulong*)(y + k) = System.Runtime.CompilerServices.Unsafe.Add(ref table, (nint)((bits >> k) & 0xFF));
    }
}
