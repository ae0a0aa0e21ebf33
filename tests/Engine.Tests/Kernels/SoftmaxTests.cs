using System.Runtime.Intrinsics;
using Engine.Kernels.Cpu;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

public unsafe class SoftmaxTests
{
    private static double[] ReferenceSoftmax(double[] x, int outer, int length, int inner, bool log)
    {
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int At(int l) => (o * length + l) * inner + i;
                double max = double.NegativeInfinity;
                for (int l = 0; l < length; l++) max = Math.Max(max, x[At(l)]);
                double sum = 0;
                for (int l = 0; l < length; l++) sum += Math.Exp(x[At(l)] - max);
                for (int l = 0; l < length; l++)
                    y[At(l)] = log ? x[At(l)] - max - Math.Log(sum) : Math.Exp(x[At(l)] - max) / sum;
            }
        return y;
    }

    private static float[] RunFloat(float[] x, int outer, int length, int inner, bool log, CpuIsa isa)
    {
        var y = new float[x.Length];
        fixed (float* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, isa);
        return y;
    }

    private static double[] RunDouble(double[] x, int outer, int length, int inner, bool log, CpuIsa isa)
    {
        var y = new double[x.Length];
        fixed (double* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, isa);
        return y;
    }

    [Property(MaxTest = 40)]
    public void Float_softmax_and_log_softmax_match_double_reference(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        float[] x = ReductionTestData.RandomFloats(outer * length * inner, seed, scale: 20);
        double[] wide = Array.ConvertAll(x, v => (double)v);
        foreach (bool log in new[] { false, true })
        {
            double[] expected = ReferenceSoftmax(wide, outer, length, inner, log);
            foreach (var isa in ReductionTestData.Executable)
            {
                float[] y = RunFloat(x, outer, length, inner, log, isa);
                for (int k = 0; k < y.Length; k++)
                {
                    // Probabilities: relative 1e-5 plus a floor; log-probabilities: relative to their magnitude.
                    double tolerance = log ? 1e-5 * Math.Max(1, Math.Abs(expected[k])) : 1e-5 * expected[k] + 1e-7;
                    Assert.True(Math.Abs(y[k] - expected[k]) <= tolerance,
                        $"{isa} log={log} [{outer},{length},{inner}] at {k}: {y[k]} vs {expected[k]}");
                }
            }
        }
    }

    [Property(MaxTest = 30)]
    public void Double_softmax_and_log_softmax_match_reference(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        double[] x = ReductionTestData.RandomDoubles(outer * length * inner, seed, scale: 20);
        foreach (bool log in new[] { false, true })
        {
            double[] expected = ReferenceSoftmax(x, outer, length, inner, log);
            foreach (var isa in ReductionTestData.Executable)
            {
                double[] y = RunDouble(x, outer, length, inner, log, isa);
                for (int k = 0; k < y.Length; k++)
                {
                    double tolerance = 1e-12 * Math.Max(log ? 1 : 0, Math.Abs(expected[k])) + 1e-300;
                    Assert.True(Math.Abs(y[k] - expected[k]) <= tolerance,
                        $"{isa} log={log} [{outer},{length},{inner}] at {k}: {y[k]} vs {expected[k]}");
                }
            }
        }
    }

    [Property(MaxTest = 30)]
    public void Rows_sum_to_one_and_log_softmax_is_log_of_softmax(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        float[] x = ReductionTestData.RandomFloats(outer * length * inner, seed, scale: 5);
        foreach (var isa in ReductionTestData.Executable)
        {
            float[] p = RunFloat(x, outer, length, inner, false, isa);
            float[] logP = RunFloat(x, outer, length, inner, true, isa);
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    double sum = 0;
                    for (int l = 0; l < length; l++) sum += p[(o * length + l) * inner + i];
                    Assert.True(Math.Abs(sum - 1) <= 1e-5, $"{isa} [{outer},{length},{inner}] line ({o},{i}) sums to {sum}");
                }
            for (int k = 0; k < p.Length; k++)
                Assert.True(Math.Abs(Math.Log(p[k]) - logP[k]) <= 1e-5 * Math.Max(1, Math.Abs(logP[k])), $"{isa} at {k}: log {p[k]} vs {logP[k]}");
        }
    }

    [Theory]
    [InlineData(1)] [InlineData(3)] [InlineData(40)]
    public void Huge_and_infinite_inputs_stay_finite(int inner)
    {
        const int length = 37;
        var x = new float[length * inner];
        // (7·row + column) mod 5 cycles through every value down each column, so no line is all −∞.
        for (int k = 0; k < x.Length; k++)
            x[k] = ((k / inner * 7 + k % inner) % 5) switch { 0 => 1e30f, 1 => -1e30f, 2 => float.NegativeInfinity, 3 => 1e30f, _ => 0 };
        foreach (var isa in ReductionTestData.Executable)
        {
            float[] p = RunFloat(x, 1, length, inner, false, isa);
            float[] logP = RunFloat(x, 1, length, inner, true, isa);
            for (int k = 0; k < x.Length; k++)
            {
                Assert.True(float.IsFinite(p[k]) && p[k] >= 0 && p[k] <= 1, $"{isa} p[{k}] = {p[k]}");
                if (float.IsNegativeInfinity(x[k])) Assert.True(p[k] == 0 && float.IsNegativeInfinity(logP[k]), $"{isa} -inf at {k}: {p[k]}, {logP[k]}");
                else Assert.False(float.IsNaN(logP[k]), $"{isa} logP[{k}] is NaN");
            }
        }
    }

    [Fact]
    public void All_negative_infinity_line_gives_NaN_like_PyTorch()
    {
        var x = new double[] { double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity, 1, 2, 3 };
        foreach (var isa in ReductionTestData.Executable)
            foreach (bool log in new[] { false, true })
            {
                double[] y = RunDouble(x, 2, 3, 1, log, isa);
                Assert.All(y[..3], v => Assert.True(double.IsNaN(v)));
                Assert.All(y[3..], v => Assert.False(double.IsNaN(v)));
            }
    }

    [Theory]
    [InlineData(1, 300, 1)] [InlineData(4, 33, 17)] [InlineData(1, 5, 300)]
    public void Softmax_in_place_equals_out_of_place(int outer, int length, int inner)
    {
        float[] x = ReductionTestData.RandomFloats(outer * length * inner, seed: length);
        foreach (var isa in ReductionTestData.Executable)
            foreach (bool log in new[] { false, true })
            {
                float[] expected = RunFloat(x, outer, length, inner, log, isa);
                var inPlace = (float[])x.Clone();
                fixed (float* p = inPlace) Softmax.Apply(p, outer, length, inner, p, log, isa);
                Assert.Equal(expected, inPlace);
            }
    }

    [Theory]
    [InlineData(512, 257, 1)]   // split over outer
    [InlineData(1, 300, 257)]   // one wide slice: split over inner
    public void Large_input_takes_the_threaded_paths(int outer, int length, int inner)
    {
        float[] x = ReductionTestData.RandomFloats(outer * length * inner, seed: 9);
        double[] wide = Array.ConvertAll(x, v => (double)v);
        foreach (bool log in new[] { false, true })
        {
            double[] expected = ReferenceSoftmax(wide, outer, length, inner, log);
            foreach (var isa in ReductionTestData.Executable)
            {
                float[] y = RunFloat(x, outer, length, inner, log, isa);
                for (int k = 0; k < y.Length; k++)
                {
                    double tolerance = log ? 1e-5 * Math.Max(1, Math.Abs(expected[k])) : 1e-5 * expected[k] + 1e-7;
                    Assert.True(Math.Abs(y[k] - expected[k]) <= tolerance, $"{isa} log={log} at {k}: {y[k]} vs {expected[k]}");
                }
            }
        }
    }

    [Fact]
    public void Exp_of_non_positive_is_accurate_for_softmax_inputs()
    {
        // Softmax only feeds x − max ≤ 0; results below e^-87 are flushed to zero by design.
        var inputs = new List<float>();
        for (float v = -87f; v <= 0f; v += 0.0137f) inputs.Add(v);
        inputs.AddRange([0f, -0f, -1e-8f, -0.3465736f]);
        double worstFloat = 0, worstDouble = 0;
        foreach (float v in inputs)
        {
            double expected = Math.Exp(v);
            worstFloat = Math.Max(worstFloat, Math.Abs(FloatExp(v) - expected) / expected);
            worstDouble = Math.Max(worstDouble, Math.Abs(DoubleExp(v) - expected) / expected);
        }
        Assert.True(worstFloat <= 5e-7, $"float exp relative error {worstFloat}");
        Assert.True(worstDouble <= 1e-14, $"double exp relative error {worstDouble}");
        Assert.Equal(0f, FloatExp(float.NegativeInfinity));
        Assert.Equal(0f, FloatExp(-200f));
        Assert.Equal(0.0, DoubleExp(double.NegativeInfinity));
        Assert.Equal(0.0, DoubleExp(-1000.0));
        Assert.True(float.IsNaN(FloatExp(float.NaN)));
        Assert.True(double.IsNaN(DoubleExp(double.NaN)));
    }

    private static float FloatExp(float v) =>
        VectorMath<float, Vector512<float>, Simd512<float>>.ExpOfNonPositive(Vector512.Create(v)).GetElement(3);

    private static double DoubleExp(double v) => IsaDispatch.Avx2Supported
        ? VectorMath<double, Vector256<double>, Simd256<double>>.ExpOfNonPositive(Vector256.Create(v)).GetElement(1)
        : VectorMath<double, Vector512<double>, Simd512<double>>.ExpOfNonPositive(Vector512.Create(v)).GetElement(1);

    [Fact]
    public void Unsupported_element_type_is_named_in_the_error()
    {
        var x = new int[1];
        var error = Assert.Throws<NotSupportedException>(() => { fixed (int* px = x) Softmax.Apply(px, 1, 1, 1, px, log: false); });
        Assert.Contains("System.Int32", error.Message);
    }
}
