using Engine.Kernels.Cpu;
using Xunit.Abstractions;

namespace Engine.Tests.Kernels;

/// <summary>
/// Float GELU where its AVX2 loop is special: a dense sweep of the central range (where the polynomial,
/// the quarter-step exponential and the sign tricks act), and the values that take the bitwise paths —
/// ±0, NaN of either sign, lanes at and just below −5.5, +∞ and large positive x — on every path.
/// </summary>
public sealed class GeluKernelTests(ITestOutputHelper output)
{
    private const double FloatBound = 5e-7;
    private const double FloatSmallestNormal = 1.1754943508222875e-38;

    private static readonly CpuIsa[] Paths = IsaPaths.Executable;

    /// <summary>Every 1021st float bit pattern with |x| ≤ 6, both signs (≈ 2.1·10^6 inputs), in a shuffled order.</summary>
    private static float[] CentralSweep()
    {
        uint top = BitConverter.SingleToUInt32Bits(6f);
        var xs = new List<float>();
        for (uint bits = 0; bits <= top; bits += 1021)
        {
            xs.Add(BitConverter.UInt32BitsToSingle(bits));
            xs.Add(-BitConverter.UInt32BitsToSingle(bits));
        }
        var array = xs.ToArray();
        new Random(5).Shuffle(array); // neighbours in a vector come from different magnitudes and signs
        return array;
    }

    [Theory]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void Central_range_is_within_bound_densely(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        float[] x = CentralSweep();
        var y = new float[x.Length];
        Unary.Apply(UnaryOp.Gelu, x, y, 0f, 0f, isa);
        double worst = 0; float at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double want = ReferenceMath.Gelu(x[i]);
            double error = Math.Abs(y[i] - want) / Math.Max(Math.Abs(want), FloatSmallestNormal);
            if (error > worst) { worst = error; at = x[i]; }
        }
        output.WriteLine($"gelu {isa}: max rel error {worst:E3} at x = {at:R} over {x.Length} inputs in [-6, 6]");
        Assert.True(worst <= FloatBound, $"gelu {isa}: {worst:E3} > {FloatBound:E1} at x = {at:R}");
    }

    public static readonly TheoryData<float, float> ExactValues = new()
    {
        { 0f, 0f },
        { -0f, -0f },
        { float.PositiveInfinity, float.PositiveInfinity },
        { 6f, 6f },
        { 5.5f, 5.5f },
        { 1e30f, 1e30f },
        { float.MaxValue, float.MaxValue },
        { -1e30f, -0f },
    };

    /// <summary>Results that are exact in float, sign of zero included, in a row long enough for the vector loop.</summary>
    [Theory]
    [MemberData(nameof(ExactValues))]
    public void Exact_results_keep_their_bits(float value, float expected)
    {
        foreach (var isa in Paths)
        {
            float got = ApplyToRow(value, isa);
            Assert.True(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(expected),
                $"gelu({value:R}) on {isa} is {got:R}, want {expected:R}");
        }
    }

    /// <summary>NaN of either sign (the negative one is sent to the AVX2 loop's wide path) and −∞ give NaN.</summary>
    [Theory]
    [InlineData(0x7FC00000u)]
    [InlineData(0xFFC00000u)]
    [InlineData(0x7F800001u)]
    [InlineData(0xFF800000u)]
    public void Nan_and_minus_infinity_give_nan(uint bits)
    {
        float value = BitConverter.UInt32BitsToSingle(bits);
        foreach (var isa in Paths)
            Assert.True(float.IsNaN(ApplyToRow(value, isa)), $"gelu({bits:X8}) on {isa} is not NaN");
    }

    /// <summary>
    /// Around −5.5, where lanes switch between the central and the wide formula: each value alone, and
    /// mixed in one vector with central values, agrees with the reference.
    /// </summary>
    [Fact]
    public void Values_around_the_wide_threshold_match_the_reference()
    {
        float[] edge = [-5.5f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(-5.5f) + 1),
            BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(-5.5f) - 1), -5.6f, -6f, -9f, -20f, 0.5f];
        var x = new float[32];
        for (int i = 0; i < x.Length; i++) x[i] = edge[(i * 3) % edge.Length];
        foreach (var isa in Paths)
        {
            var y = new float[x.Length];
            Unary.Apply(UnaryOp.Gelu, x, y, 0f, 0f, isa);
            for (int i = 0; i < x.Length; i++)
            {
                double want = ReferenceMath.Gelu(x[i]);
                double error = Math.Abs(y[i] - want) / Math.Max(Math.Abs(want), FloatSmallestNormal);
                Assert.True(error <= FloatBound, $"gelu({x[i]:R}) on {isa}: {y[i]:R}, want {want:R} ({error:E2})");
            }
        }
    }

    private static float ApplyToRow(float value, CpuIsa isa)
    {
        var x = Enumerable.Repeat(value, 37).ToArray();
        var y = new float[x.Length];
        Unary.Apply(UnaryOp.Gelu, x, y, 0f, 0f, isa);
        Assert.All(y, v => Assert.Equal(BitConverter.SingleToInt32Bits(y[0]), BitConverter.SingleToInt32Bits(v)));
        return y[0];
    }
}
