using Engine.Kernels.Cpu;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace Engine.Tests.Kernels;

public unsafe class ReductionTests(ITestOutputHelper output)
{
    private static readonly ReduceOp[] Ops = [ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min];

    // ---- double-precision references -------------------------------------------------------------

    private static double ReferenceReduce(ReduceOp op, double[] x, int o, int length, int inner, int i)
    {
        double accumulated = op switch { ReduceOp.Sum => 0, ReduceOp.Max => double.NegativeInfinity, _ => double.PositiveInfinity };
        for (int l = 0; l < length; l++)
        {
            double v = x[((long)o * length + l) * inner + i];
            accumulated = op switch { ReduceOp.Sum => accumulated + v, ReduceOp.Max => Math.Max(accumulated, v), _ => Math.Min(accumulated, v) };
        }
        return accumulated;
    }

    private static double AbsoluteSum(double[] x, int o, int length, int inner, int i)
    {
        double sum = 0;
        for (int l = 0; l < length; l++) sum += Math.Abs(x[((long)o * length + l) * inner + i]);
        return sum;
    }

    private static int ReferenceArg(ArgReduceOp op, double[] x, int o, int length, int inner, int i)
    {
        int best = 0;
        for (int l = 0; l < length; l++)
        {
            double v = x[((long)o * length + l) * inner + i], b = x[((long)o * length + best) * inner + i];
            if (double.IsNaN(b)) break;
            if (double.IsNaN(v) || (op == ArgReduceOp.ArgMax ? v > b : v < b)) best = l;
        }
        return best;
    }

    // ---- properties over random shapes: every op × every path --------------------------------------

    [Property(MaxTest = 40)]
    public void Float_reductions_match_double_reference(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        float[] x = ReductionTestData.RandomFloats(outer * length * inner, seed);
        double[] wide = Array.ConvertAll(x, v => (double)v);
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in Ops)
            {
                var y = new float[outer * inner];
                fixed (float* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, isa);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        double expected = ReferenceReduce(op, wide, o, length, inner, i);
                        double tolerance = op == ReduceOp.Sum ? 1e-5 * AbsoluteSum(wide, o, length, inner, i) + 1e-6 : 0;
                        Assert.True(Math.Abs(y[o * inner + i] - expected) <= tolerance,
                            $"{isa} {op} [{outer},{length},{inner}] at ({o},{i}): {y[o * inner + i]} vs {expected}");
                    }
            }
    }

    [Property(MaxTest = 40)]
    public void Double_reductions_match_reference(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        double[] x = ReductionTestData.RandomDoubles(outer * length * inner, seed);
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in Ops)
            {
                var y = new double[outer * inner];
                fixed (double* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, isa);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        double expected = ReferenceReduce(op, x, o, length, inner, i);
                        double tolerance = op == ReduceOp.Sum ? 1e-12 * AbsoluteSum(x, o, length, inner, i) : 0;
                        Assert.True(Math.Abs(y[o * inner + i] - expected) <= tolerance,
                            $"{isa} {op} [{outer},{length},{inner}] at ({o},{i}): {y[o * inner + i]} vs {expected}");
                    }
            }
    }

    [Property(MaxTest = 30)]
    public void Int_reductions_are_exact(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        var random = new Random(seed);
        int[] x = Enumerable.Range(0, outer * length * inner).Select(_ => random.Next(-1000, 1000)).ToArray();
        double[] wide = Array.ConvertAll(x, v => (double)v);
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in Ops)
            {
                var y = new int[outer * inner];
                fixed (int* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, isa);
                for (int k = 0; k < y.Length; k++)
                    Assert.Equal(ReferenceReduce(op, wide, k / inner, length, inner, k % inner), y[k]);
            }
    }

    [Property(MaxTest = 40)]
    public void Arg_reductions_match_reference_with_ties(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        var random = new Random(seed);
        // Few distinct values, so ties are common and the first index must win.
        float[] x = Enumerable.Range(0, outer * length * inner).Select(_ => (float)random.Next(-3, 4)).ToArray();
        double[] wide = Array.ConvertAll(x, v => (double)v);
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in new[] { ArgReduceOp.ArgMax, ArgReduceOp.ArgMin })
            {
                var y = new int[outer * inner];
                fixed (float* px = x) fixed (int* py = y) ArgReduce.Apply(op, px, outer, length, inner, py, isa);
                for (int k = 0; k < y.Length; k++)
                    Assert.True(ReferenceArg(op, wide, k / inner, length, inner, k % inner) == y[k], $"{isa} {op} [{outer},{length},{inner}] at {k}");

                int[] integers = Array.ConvertAll(x, v => (int)v);
                var yInt = new int[outer * inner];
                fixed (int* px = integers, py = yInt) ArgReduce.Apply(op, px, outer, length, inner, py, isa);
                Assert.Equal(y, yInt);
            }
    }

    [Property(MaxTest = 25)]
    public void Double_arg_reductions_match_reference(int a, int b, int c, int seed)
    {
        var (outer, length, inner) = ReductionTestData.Shape(a, b, c);
        double[] x = ReductionTestData.RandomDoubles(outer * length * inner, seed);
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in new[] { ArgReduceOp.ArgMax, ArgReduceOp.ArgMin })
            {
                var y = new int[outer * inner];
                fixed (double* px = x) fixed (int* py = y) ArgReduce.Apply(op, px, outer, length, inner, py, isa);
                for (int k = 0; k < y.Length; k++)
                    Assert.Equal(ReferenceArg(op, x, k / inner, length, inner, k % inner), y[k]);
            }
    }

    // ---- NaN semantics --------------------------------------------------------------------------

    [Theory]
    [InlineData(1, 0)] [InlineData(1, 37)] [InlineData(1, 299)]
    [InlineData(7, 0)] [InlineData(7, 150)] [InlineData(300, 299)] [InlineData(17, 16)]
    public void Max_and_min_propagate_NaN_from_any_position(int inner, int nanRow)
    {
        const int length = 300;
        float[] x = ReductionTestData.RandomFloats(length * inner, seed: nanRow);
        for (int i = 0; i < inner; i += 2) x[nanRow * inner + i] = float.NaN;   // every other column
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in Ops)
            {
                var y = new float[inner];
                fixed (float* px = x, py = y) Reduce.Apply(op, px, 1, length, inner, py, isa);
                for (int i = 0; i < inner; i++)
                    Assert.True(float.IsNaN(y[i]) == (i % 2 == 0), $"{isa} {op} inner={inner} column {i}: {y[i]}");
            }
    }

    [Theory]
    [InlineData(1)] [InlineData(5)] [InlineData(64)]
    public void Arg_reductions_return_the_first_NaN(int inner)
    {
        const int length = 200;
        double[] x = ReductionTestData.RandomDoubles(length * inner, seed: 3);
        x[5 * inner] = 1e300;                 // larger than everything, but a NaN still wins
        x[77 * inner] = double.NaN;
        x[120 * inner] = double.NaN;
        foreach (var isa in ReductionTestData.Executable)
            foreach (var op in new[] { ArgReduceOp.ArgMax, ArgReduceOp.ArgMin })
            {
                var y = new int[inner];
                fixed (double* px = x) fixed (int* py = y) ArgReduce.Apply(op, px, 1, length, inner, py, isa);
                Assert.Equal(77, y[0]);
                for (int i = 1; i < inner; i++) Assert.Equal(ReferenceArg(op, x, 0, length, inner, i), y[i]);
            }
    }

    // ---- accuracy and size edge cases -----------------------------------------------------------

    [Fact]
    public void Sum_of_2_pow_24_floats_is_accurate_where_a_naive_loop_is_not()
    {
        const int count = 1 << 24;
        var random = new Random(24);
        var x = new float[count];
        // Values near 0.1: once the running float sum passes 2^20, each addition rounds by a large,
        // same-signed fraction of the addend, so the naive loop drifts far from the true sum.
        for (int k = 0; k < count; k++) x[k] = (float)(0.1 + 0.01 * random.NextDouble());
        double exact = 0;
        float naive = 0;
        foreach (float v in x) { exact += v; naive += v; }
        double naiveError = Math.Abs(naive - exact) / exact;
        output.WriteLine($"exact {exact:R}, naive float loop {naive:R}: relative error {naiveError:E2}");
        Assert.True(naiveError > 1e-3, "the naive loop should be visibly inaccurate at this size");

        foreach (var isa in ReductionTestData.Executable)
        {
            float sum;
            fixed (float* px = x) Reduce.Apply(ReduceOp.Sum, px, 1, count, 1, &sum, isa);
            double error = Math.Abs(sum - exact) / exact;
            output.WriteLine($"{isa}: {sum:R}, relative error {error:E2}");
            Assert.True(error <= 1e-6, $"{isa}: relative error {error}");
        }
    }

    [Fact]
    public void Large_inputs_take_the_threaded_paths_and_match_serial_reference()
    {
        // [64, 2048, 1] splits over outer; [1, 4096, 96] splits the reduced axis into partial results.
        foreach (var (outer, length, inner) in new[] { (64, 2048, 1), (1, 4096, 96), (3, 50_000, 1) })
        {
            double[] x = ReductionTestData.RandomDoubles(outer * length * inner, seed: length);
            foreach (var isa in ReductionTestData.Executable)
                foreach (var op in Ops)
                {
                    var y = new double[outer * inner];
                    fixed (double* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, isa);
                    for (int k = 0; k < y.Length; k++)
                    {
                        double expected = ReferenceReduce(op, x, k / inner, length, inner, k % inner);
                        Assert.True(Math.Abs(y[k] - expected) <= 1e-12 * AbsoluteSum(x, k / inner, length, inner, k % inner),
                            $"{isa} {op} [{outer},{length},{inner}]");
                    }
                    var arg = new int[outer * inner];
                    fixed (double* px = x) fixed (int* pa = arg) ArgReduce.Apply(ArgReduceOp.ArgMax, px, outer, length, inner, pa, isa);
                    for (int k = 0; k < arg.Length; k++)
                        Assert.Equal(ReferenceArg(ArgReduceOp.ArgMax, x, k / inner, length, inner, k % inner), arg[k]);
                }
        }
    }

    [Fact]
    public void Zero_length_sum_is_zero_and_max_min_argmax_throw()
    {
        var empty = new float[1];
        var y = new float[6] { 1, 1, 1, 1, 1, 1 };
        var index = new int[6];
        foreach (var isa in ReductionTestData.Executable)
        {
            fixed (float* px = empty, py = y) Reduce.Apply(ReduceOp.Sum, px, 2, 0, 3, py, isa);
            Assert.All(y, v => Assert.Equal(0f, v));
            Assert.Throws<ArgumentException>(() => { fixed (float* px = empty, py = y) Reduce.Apply(ReduceOp.Max, px, 2, 0, 3, py, isa); });
            Assert.Throws<ArgumentException>(() => { fixed (float* px = empty, py = y) Reduce.Apply(ReduceOp.Min, px, 2, 0, 3, py, isa); });
            Assert.Throws<ArgumentException>(() => { fixed (float* px = empty) fixed (int* py = index) ArgReduce.Apply(ArgReduceOp.ArgMax, px, 2, 0, 3, py, isa); });
        }
    }

    [Fact]
    public void Unsupported_element_type_is_named_in_the_error()
    {
        var x = new long[1];
        var y = new long[1];
        var index = new int[1];
        var error = Assert.Throws<NotSupportedException>(() => { fixed (long* px = x, py = y) Reduce.Apply(ReduceOp.Sum, px, 1, 1, 1, py); });
        Assert.Contains("System.Int64", error.Message);
        Assert.Throws<NotSupportedException>(() => { fixed (long* px = x) fixed (int* pi = index) ArgReduce.Apply(ArgReduceOp.ArgMax, px, 1, 1, 1, pi); });
    }
}
