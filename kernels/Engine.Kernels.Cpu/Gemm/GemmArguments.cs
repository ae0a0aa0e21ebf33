using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>Argument checks shared by the GEMM entry points, so every one fails the same way.</summary>
internal static class GemmArguments
{
    public static void CheckSizes(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(
                m < 0 ? "m" : n < 0 ? "n" : "k",
                $"GEMM sizes must not be negative: m={m}, n={n}, k={k}.");
    }

    public static void CheckBatch(int batch, int aOffsets, int bOffsets, int cOffsets)
    {
        if (batch < 0)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"GEMM batch must not be negative: batch={batch}.");
        CheckOffsetCount("aOffsets", aOffsets, batch);
        CheckOffsetCount("bOffsets", bOffsets, batch);
        CheckOffsetCount("cOffsets", cOffsets, batch);
    }

    /// <summary>Throws <see cref="NotSupportedException"/> unless T is float or double.</summary>
    public static void CheckElementType<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"GEMM supports float and double, not {typeof(T).FullName}.");
    }

    private static void CheckOffsetCount(string name, int length, int batch)
    {
        if (length != batch)
            throw new ArgumentException($"{name} has {length} entries but batch is {batch}; it needs one per batch item.", name);
    }
}
