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
}
