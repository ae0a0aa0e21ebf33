using Engine.Tensors;

namespace Engine.Data;

/// <summary>Shuffled row orders drawn from a seeded <see cref="Generator"/>, shared by the loader and the split helpers.</summary>
internal static class RandomPermutation
{
    /// <summary>0 … n-1 in a uniformly random order (Fisher–Yates).</summary>
    public static int[] Draw(int n, Generator generator)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            // Multiply-shift maps 64 random bits onto [0, i]; the bias is below 2^-32 for any n that fits in an int.
            int j = (int)(((UInt128)generator.NextUInt64() * (ulong)(i + 1)) >> 64);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
