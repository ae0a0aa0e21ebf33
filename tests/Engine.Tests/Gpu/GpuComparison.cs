namespace Engine.Tests.Gpu;

/// <summary>How the GPU kernel tests compare a GPU result with the CPU reference.</summary>
internal static class GpuComparison
{
    /// <summary>
    /// Asserts the normalised error Σ(a−b)²/Σb² over the finite reference values is within the ggml-style bound
    /// (1e-10 for double, 1e-6 for float), and that every non-finite reference value (NaN, ±∞) is matched exactly.
    /// </summary>
    public static void AssertClose<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        double bound = typeof(T) == typeof(float) ? 1e-6 : 1e-10;
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = ToDouble(expected[i]), a = ToDouble(actual[i]);
            if (!double.IsFinite(e) || !double.IsFinite(a))
            {
                Assert.True(e.Equals(a), $"{what}: element {i} is {a}, expected {e}.");
                continue;
            }
            num += (a - e) * (a - e);
            den += e * e;
        }
        double error = den == 0 ? num : num / den;
        Assert.True(error <= bound, $"{what}: normalised error {error:E3} exceeds {bound:E0}.");
    }

    /// <summary>Asserts exact equality, element by element (NaN equals NaN; −0 equals +0).</summary>
    public static void AssertExact<T>(T[] expected, T[] actual, string what) where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = ToDouble(expected[i]), a = ToDouble(actual[i]);
            Assert.True(e == a || (double.IsNaN(e) && double.IsNaN(a)), $"{what}: element {i} is {a}, expected {e}.");
        }
    }

    /// <summary>Random values in [−scale, scale] as T, with NaN, ±∞ sprinkled in when <paramref name="specials"/>.</summary>
    public static T[] Random<T>(Random random, long count, double scale, bool specials) where T : unmanaged
    {
        var values = new T[count];
        for (long i = 0; i < count; i++)
        {
            double v = (random.NextDouble() * 2 - 1) * scale;
            if (specials && random.Next(16) == 0)
                v = random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
            values[i] = FromDouble<T>(v);
        }
        return values;
    }

    /// <summary>A float or double as double.</summary>
    public static double ToDouble<T>(T value) where T : unmanaged =>
        value switch { float f => f, double d => d, int n => n, byte b => b, _ => throw new NotSupportedException(typeof(T).Name) };

    /// <summary>A double as float or double.</summary>
    public static T FromDouble<T>(double value) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)value : (T)(object)value;
}
