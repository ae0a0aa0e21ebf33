using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>The GPU elementwise kernels against the CPU scalar references, on the ILGPU CPU simulator.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuElementwiseTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>α and β per op: a slope, an Elu scale, clamp bounds, a power; others ignore them.</summary>
    private static (double Alpha, double Beta) Parameters(UnaryOp op) => op switch
    {
        UnaryOp.LeakyRelu => (0.1, 0),
        UnaryOp.Elu => (1.3, 0),
        UnaryOp.Clamp => (-0.5, 0.7),
        UnaryOp.PowScalar => (3, 0),
        _ => (0, 0),
    };

    public static TheoryData<UnaryOp> UnaryOps() => new(Enum.GetValues<UnaryOp>());

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void UnaryMatchesReference(UnaryOp op)
    {
        CheckUnary<float>(op);
        CheckUnary<double>(op);
    }

    [Fact]
    public void PowScalarWithFractionalExponentMatchesReference()
    {
        var random = new Random(11);
        double[] x = GpuComparison.Random<double>(random, 301, 4, specials: true);
        double[] expected = x.Select(v => Unary.Reference(UnaryOp.PowScalar, v, 0.5, 0.0)).ToArray();
        GpuComparison.AssertClose(expected, RunUnary(UnaryOp.PowScalar, x, 0.5, 0.0), "PowScalar 0.5");
    }

    private void CheckUnary<T>(UnaryOp op) where T : unmanaged
    {
        var random = new Random(1 + (int)op);
        var (alpha, beta) = Parameters(op);
        T a = GpuComparison.FromDouble<T>(alpha), b = GpuComparison.FromDouble<T>(beta);
        foreach (int n in new[] { 1, 7, 64, 1001 })
        {
            T[] x = GpuComparison.Random<T>(random, n, 6, specials: true);
            T[] expected = x.Select(v => Unary.Reference(op, v, a, b)).ToArray();
            GpuComparison.AssertClose(expected, RunUnary(op, x, a, b), $"{op} {typeof(T).Name} n={n}");
        }
    }

    private T[] RunUnary<T>(UnaryOp op, T[] x, T alpha, T beta) where T : unmanaged
    {
        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<T>(x.Length);
        GpuUnary.Apply<T>(_accelerator, op, xs.View, ys.View, x.Length, alpha, beta);
        return ys.GetAsArray1D();
    }

    public static TheoryData<BinaryOp> BinaryOps() => new(Enum.GetValues<BinaryOp>());

    public static TheoryData<CompareOp> CompareOps() => new(Enum.GetValues<CompareOp>());

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void BinaryMatchesReferenceWithBroadcasting(BinaryOp op)
    {
        CheckBinary<float>(op);
        CheckBinary<double>(op);
    }

    [Theory]
    [MemberData(nameof(CompareOps))]
    public void CompareMatchesReferenceWithBroadcasting(CompareOp op)
    {
        CheckCompare<float>(op);
        CheckCompare<double>(op);
    }

    [Fact]
    public void SelectMatchesReferenceWithBroadcasting()
    {
        CheckSelect<float>();
        CheckSelect<double>();
    }

    [Fact]
    public void IntegerElementsAreRejected()
    {
        using var x = _accelerator.Allocate1D<int>(4);
        var e = Assert.Throws<NotSupportedException>(() => GpuUnary.Apply<int>(_accelerator, UnaryOp.Neg, x.View, x.View, 4, 0, 0));
        Assert.Contains("GpuUnary", e.Message);
    }

    [Fact]
    public void RankSevenIsRejectedWithTheShape()
    {
        using var a = _accelerator.Allocate1D<float>(1);
        long[] shape = [1, 1, 1, 1, 1, 1, 1], strides = new long[7];
        var e = Assert.Throws<ArgumentException>(() => GpuBinary.Apply<float>(_accelerator, BinaryOp.Add, a.View, strides, a.View, strides, a.View, shape));
        Assert.Contains("[1, 1, 1, 1, 1, 1, 1]", e.Message);
    }

    [Fact]
    public void StridesPastTheViewAreRejected()
    {
        using var a = _accelerator.Allocate1D<double>(6);
        var e = Assert.Throws<ArgumentException>(() => GpuBinary.Apply<double>(_accelerator, BinaryOp.Mul, a.View, [3, 1], a.View, [0, 3], a.View, [2, 3]));
        Assert.Contains("GpuBinary Mul", e.Message);
    }

    private void CheckBinary<T>(BinaryOp op) where T : unmanaged
    {
        var random = new Random(100 + (int)op);
        for (int trial = 0; trial < 6; trial++)
        {
            long[] shape = RandomShape(random);
            var (a, aStrides) = RandomOperand<T>(random, shape);
            var (b, bStrides) = RandomOperand<T>(random, shape);
            long n = shape.Aggregate(1L, (p, d) => p * d);
            var expected = new T[n];
            for (long i = 0; i < n; i++)
                expected[i] = Binary.Reference(op, a[Offset(shape, aStrides, i)], b[Offset(shape, bStrides, i)]);
            using var ab = _accelerator.Allocate1D(a);
            using var bb = _accelerator.Allocate1D(b);
            using var yb = _accelerator.Allocate1D<T>(n);
            GpuBinary.Apply<T>(_accelerator, op, ab.View, aStrides, bb.View, bStrides, yb.View, shape);
            string what = $"{op} {typeof(T).Name} shape [{string.Join(", ", shape)}] a [{string.Join(", ", aStrides)}] b [{string.Join(", ", bStrides)}]";
            if (op is BinaryOp.Max or BinaryOp.Min or BinaryOp.MaskPositive) GpuComparison.AssertExact(expected, yb.GetAsArray1D(), what);
            else GpuComparison.AssertClose(expected, yb.GetAsArray1D(), what);
        }
    }

    private void CheckCompare<T>(CompareOp op) where T : unmanaged
    {
        var random = new Random(200 + (int)op);
        for (int trial = 0; trial < 6; trial++)
        {
            long[] shape = RandomShape(random);
            var (a, aStrides) = RandomOperand<T>(random, shape);
            var (b, bStrides) = RandomOperand<T>(random, shape);
            long n = shape.Aggregate(1L, (p, d) => p * d);
            var expected = new byte[n];
            for (long i = 0; i < n; i++)
                expected[i] = Compare.Reference(op, a[Offset(shape, aStrides, i)], b[Offset(shape, bStrides, i)]) ? (byte)1 : (byte)0;
            using var ab = _accelerator.Allocate1D(a);
            using var bb = _accelerator.Allocate1D(b);
            using var yb = _accelerator.Allocate1D<byte>(n);
            GpuCompare.Apply<T>(_accelerator, op, ab.View, aStrides, bb.View, bStrides, yb.View, shape);
            Assert.Equal(expected, yb.GetAsArray1D());
        }
    }

    private void CheckSelect<T>() where T : unmanaged
    {
        var random = new Random(300);
        for (int trial = 0; trial < 8; trial++)
        {
            long[] shape = RandomShape(random);
            var (cond, condStrides) = RandomOperand<double>(random, shape);
            byte[] condBytes = cond.Select(c => c > 0 ? (byte)(1 + random.Next(255)) : (byte)0).ToArray();
            var (a, aStrides) = RandomOperand<T>(random, shape);
            var (b, bStrides) = RandomOperand<T>(random, shape);
            long n = shape.Aggregate(1L, (p, d) => p * d);
            var expected = new T[n];
            for (long i = 0; i < n; i++)
                expected[i] = condBytes[Offset(shape, condStrides, i)] != 0 ? a[Offset(shape, aStrides, i)] : b[Offset(shape, bStrides, i)];
            using var cb = _accelerator.Allocate1D(condBytes);
            using var ab = _accelerator.Allocate1D(a);
            using var bb = _accelerator.Allocate1D(b);
            using var yb = _accelerator.Allocate1D<T>(n);
            GpuSelect.Apply<T>(_accelerator, cb.View, condStrides, ab.View, aStrides, bb.View, bStrides, yb.View, shape);
            GpuComparison.AssertExact(expected, yb.GetAsArray1D(), $"Select {typeof(T).Name} shape [{string.Join(", ", shape)}]");
        }
    }

    /// <summary>Rank 1–6, dimensions 1–5 (≤ ~1,000 elements: the simulator is slow).</summary>
    private static long[] RandomShape(Random random)
    {
        int rank = random.Next(1, GpuShapeMaxRank + 1);
        var shape = new long[rank];
        long count = 1;
        for (int k = 0; k < rank; k++)
        {
            shape[k] = count > 200 ? 1 : random.Next(1, 6);
            count *= shape[k];
        }
        return shape;
    }

    private const int GpuShapeMaxRank = 6;

    /// <summary>
    /// An operand broadcast along random axes (stride 0) and otherwise laid out row-major, with every stride
    /// doubled half the time (a non-contiguous view); values on a half-integer grid (ties, ±0) with NaN and ±∞.
    /// </summary>
    private static (T[] Values, long[] Strides) RandomOperand<T>(Random random, long[] shape) where T : unmanaged
    {
        long spacing = random.Next(2) + 1, stride = spacing, length = 1;
        var strides = new long[shape.Length];
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            if (shape[k] == 1 || random.Next(3) == 0) continue; // broadcast: stride 0
            strides[k] = stride;
            stride *= shape[k];
        }
        for (int k = 0; k < shape.Length; k++) length += (shape[k] - 1) * strides[k];
        T[] values = GpuComparison.Random<T>(random, length, 3, specials: true);
        for (int i = 0; i < values.Length; i++)
            values[i] = GpuComparison.FromDouble<T>(Math.Round(GpuComparison.ToDouble(values[i]) * 2) / 2);
        return (values, strides);
    }

    private static long Offset(long[] shape, long[] strides, long linear)
    {
        long offset = 0;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            offset += linear % shape[k] * strides[k];
            linear /= shape[k];
        }
        return offset;
    }
}
