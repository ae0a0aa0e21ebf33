using Engine.Kernels.Cpu;

namespace Engine.Tests.Kernels;

/// <summary>Shapes, values and CPU paths for the reduction and softmax tests (AVX-512 always runs: it is emulated where missing).</summary>
internal static class ReductionTestData
{
    public static readonly CpuIsa[] Executable = IsaPaths.Executable;

    // Sizes mixing primes, powers of two and their neighbours, so vector tails and blocks all get hit.
    private static readonly int[] Sizes = [1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 256, 257, 300];

    /// <summary>An [outer, length, inner] shape from three arbitrary ints, kept under ~40k elements.</summary>
    public static (int Outer, int Length, int Inner) Shape(int a, int b, int c)
    {
        int outer = Sizes[Math.Abs(a % Sizes.Length)];
        int length = Sizes[Math.Abs(b % Sizes.Length)];
        int inner = c % 3 == 0 ? 1 : Sizes[Math.Abs(c % Sizes.Length)];
        while ((long)outer * length * inner > 40_000 && outer > 1) outer /= 2;
        while ((long)outer * length * inner > 40_000) inner /= 2;
        return (outer, length, inner);
    }

    public static float[] RandomFloats(int count, int seed, float scale = 10)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int k = 0; k < count; k++) values[k] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public static double[] RandomDoubles(int count, int seed, double scale = 10)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int k = 0; k < count; k++) values[k] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
