using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>The GPU reduction, arg-reduction and softmax kernels against the CPU scalar paths, on the ILGPU CPU simulator.</summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuReductionTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>
    /// [outer, length, inner] views: length 1, odd sizes, lines longer than a group's 256 rows, inner past one
    /// 32-column block with a partial last block.
    /// </summary>
    private static readonly (long Outer, long Length, long Inner)[] Shapes =
    [
        (1, 1, 1), (3, 1, 5), (2, 7, 1), (1, 300, 1), (4, 33, 3), (2, 5, 37),
    ];

    public static TheoryData<ReduceOp> ReduceOps() => new(Enum.GetValues<ReduceOp>());

    public static TheoryData<ArgReduceOp> ArgReduceOps() => new(Enum.GetValues<ArgReduceOp>());

    [Theory]
    [MemberData(nameof(ReduceOps))]
    public void ReduceMatchesCpu(ReduceOp op)
    {
        CheckReduce<float>(op, (x, outer, length, inner, y) => { fixed (float* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, CpuIsa.Scalar); });
        CheckReduce<double>(op, (x, outer, length, inner, y) => { fixed (double* px = x, py = y) Reduce.Apply(op, px, outer, length, inner, py, CpuIsa.Scalar); });
    }

    [Theory]
    [MemberData(nameof(ArgReduceOps))]
    public void ArgReduceMatchesCpu(ArgReduceOp op)
    {
        CheckArgReduce<float>(op, (x, outer, length, inner, y) => { fixed (float* px = x) fixed (int* py = y) ArgReduce.Apply(op, px, outer, length, inner, py, CpuIsa.Scalar); });
        CheckArgReduce<double>(op, (x, outer, length, inner, y) => { fixed (double* px = x) fixed (int* py = y) ArgReduce.Apply(op, px, outer, length, inner, py, CpuIsa.Scalar); });
    }

    [Fact]
    public void EmptyAxisReducesToTheIdentity()
    {
        using var x = _accelerator.Allocate1D<double>(1);
        using var y = _accelerator.Allocate1D<double>(6);
        GpuReduce.Apply<double>(_accelerator, ReduceOp.Min, x.View, 2, 0, 3, y.View);
        Assert.All(y.GetAsArray1D(), v => Assert.Equal(double.PositiveInfinity, v));
    }

    [Fact]
    public void ArgReduceOfAnEmptyAxisIsRejected()
    {
        using var x = _accelerator.Allocate1D<float>(1);
        using var y = _accelerator.Allocate1D<int>(2);
        var e = Assert.Throws<ArgumentException>(() => GpuArgReduce.Apply<float>(_accelerator, ArgReduceOp.ArgMax, x.View, 2, 0, 1, y.View));
        Assert.Contains("GpuArgReduce ArgMax", e.Message);
    }

    [Fact]
    public void ArgMaxTakesTheFirstNaN()
    {
        double[] x = [1, double.NaN, 5, double.NaN, 7];
        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<int>(1);
        GpuArgReduce.Apply<double>(_accelerator, ArgReduceOp.ArgMax, xs.View, 1, 5, 1, ys.View);
        Assert.Equal(1, ys.GetAsArray1D()[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SoftmaxMatchesCpu(bool log)
    {
        CheckSoftmax<float>(log, 6, (x, outer, length, inner, y) => { fixed (float* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, CpuIsa.Scalar); });
        CheckSoftmax<double>(log, 6, (x, outer, length, inner, y) => { fixed (double* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, CpuIsa.Scalar); });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SoftmaxOfLargeLogitsIsStable(bool log)
    {
        CheckSoftmax<float>(log, 500, (x, outer, length, inner, y) => { fixed (float* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, CpuIsa.Scalar); });
        CheckSoftmax<double>(log, 5000, (x, outer, length, inner, y) => { fixed (double* px = x, py = y) Softmax.Apply(px, outer, length, inner, py, log, CpuIsa.Scalar); });
    }

    [Fact]
    public void SoftmaxInPlaceMatchesCpu()
    {
        var random = new Random(7);
        double[] x = GpuComparison.Random<double>(random, 4 * 9 * 3, 5, specials: false);
        var expected = new double[x.Length];
        fixed (double* px = x, py = expected) Softmax.Apply(px, 4, 9, 3, py, false, CpuIsa.Scalar);
        using var xs = _accelerator.Allocate1D(x);
        GpuSoftmax.Apply<double>(_accelerator, xs.View, 4, 9, 3, xs.View, false);
        GpuComparison.AssertClose(expected, xs.GetAsArray1D(), "softmax in place");
    }

    private delegate void CpuKernel<T, TOut>(T[] x, long outer, long length, long inner, TOut[] y);

    private void CheckReduce<T>(ReduceOp op, CpuKernel<T, T> cpu) where T : unmanaged
    {
        var random = new Random(10 + (int)op);
        foreach (var (outer, length, inner) in Shapes)
        {
            T[] x = Values<T>(random, outer * length * inner, specials: op != ReduceOp.Sum);
            var expected = new T[outer * inner];
            cpu(x, outer, length, inner, expected);
            using var xs = _accelerator.Allocate1D(x);
            using var ys = _accelerator.Allocate1D<T>(expected.Length);
            GpuReduce.Apply<T>(_accelerator, op, xs.View, outer, length, inner, ys.View);
            string what = $"{op} {typeof(T).Name} [{outer}, {length}, {inner}]";
            if (op == ReduceOp.Sum) GpuComparison.AssertClose(expected, ys.GetAsArray1D(), what);
            else GpuComparison.AssertExact(expected, ys.GetAsArray1D(), what);
        }
    }

    private void CheckArgReduce<T>(ArgReduceOp op, CpuKernel<T, int> cpu) where T : unmanaged
    {
        var random = new Random(20 + (int)op);
        foreach (var (outer, length, inner) in Shapes)
        {
            T[] x = Values<T>(random, outer * length * inner, specials: true);
            var expected = new int[outer * inner];
            cpu(x, outer, length, inner, expected);
            using var xs = _accelerator.Allocate1D(x);
            using var ys = _accelerator.Allocate1D<int>(expected.Length);
            GpuArgReduce.Apply<T>(_accelerator, op, xs.View, outer, length, inner, ys.View);
            Assert.Equal(expected, ys.GetAsArray1D());
        }
    }

    private void CheckSoftmax<T>(bool log, double scale, CpuKernel<T, T> cpu) where T : unmanaged
    {
        var random = new Random(log ? 31 : 30);
        // Large logits only change the values, not the layout: two shapes suffice there.
        foreach (var (outer, length, inner) in scale > 100 ? Shapes[2..4] : Shapes)
        {
            T[] x = GpuComparison.Random<T>(random, outer * length * inner, scale, specials: false);
            var expected = new T[x.Length];
            cpu(x, outer, length, inner, expected);
            using var xs = _accelerator.Allocate1D(x);
            using var ys = _accelerator.Allocate1D<T>(x.Length);
            GpuSoftmax.Apply<T>(_accelerator, xs.View, outer, length, inner, ys.View, log);
            GpuComparison.AssertClose(expected, ys.GetAsArray1D(), $"softmax log={log} {typeof(T).Name} [{outer}, {length}, {inner}] scale {scale}");
        }
    }

    /// <summary>Values on a half-integer grid (so extremes tie), with rare NaN and ±∞ when <paramref name="specials"/>.</summary>
    private static T[] Values<T>(Random random, long count, bool specials) where T : unmanaged
    {
        var values = new T[count];
        for (long i = 0; i < count; i++)
        {
            double v = Math.Round((random.NextDouble() * 2 - 1) * 40) / 2;
            if (specials && random.Next(200) == 0)
                v = random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
            values[i] = GpuComparison.FromDouble<T>(v);
        }
        return values;
    }
}
