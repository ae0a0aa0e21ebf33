using Engine.Kernels.Cpu;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>
/// Pooling and upsampling kernels against the direct-loop float64 references, and every CPU path against
/// the scalar one: bit-identical for max pooling (values and argmax), within 1e-6 relative for average pooling.
/// </summary>
[Properties(Arbitrary = [typeof(PoolingArbitraries)], MaxTest = 60)]
public unsafe class PoolingKernelTests
{
    private static (T[] Y, int[] Index) MaxPool<T>(T[] x, PoolCase c, CpuIsa isa) where T : unmanaged
    {
        var g = c.Geometry;
        var y = new T[c.Planes * g.OutPlane];
        var index = new int[y.Length];
        fixed (T* px = x, py = y) fixed (int* pi = index) MaxPool2d.Forward(px, c.Planes, g, py, pi, isa);
        return (y, index);
    }

    private static T[] AvgPool<T>(T[] x, PoolCase c, bool countIncludePad, CpuIsa isa) where T : unmanaged
    {
        var g = c.Geometry;
        var y = new T[c.Planes * g.OutPlane];
        fixed (T* px = x, py = y) AvgPool2d.Forward(px, c.Planes, g, countIncludePad, py, isa);
        return y;
    }

    private static double[] Widen(float[] x) => Array.ConvertAll(x, v => (double)v);

    private static float[] Narrow(double[] x) => Array.ConvertAll(x, v => (float)v);

    [Property]
    public void Max_pool_matches_the_reference_on_every_path(PoolCase c, bool ties)
    {
        double[] x = PoolingReference.Values(c.Planes * c.H * c.W, c.Seed, ties);
        var (expected, expectedIndex) = PoolingReference.MaxPool(x, c);
        float[] xf = Narrow(x);
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, index) = MaxPool(x, c, isa);
            Assert.Equal(expected, y);
            Assert.Equal(expectedIndex, index);
            var (yf, indexF) = MaxPool(xf, c, isa);
            Assert.Equal(Narrow(expected), yf);
            Assert.Equal(expectedIndex, indexF);
        }
    }

    [Property(MaxTest = 30)]
    public void Max_pool_with_nans_and_infinities_is_identical_on_every_path(PoolCase c)
    {
        double[] x = PoolingReference.Values(c.Planes * c.H * c.W, c.Seed, ties: true);
        var random = new Random(c.Seed);
        for (int i = 0; i < x.Length; i++)
            x[i] = random.Next(6) switch { 0 => double.NaN, 1 => double.NegativeInfinity, 2 => double.PositiveInfinity, _ => x[i] };
        var (expected, expectedIndex) = PoolingReference.MaxPool(x, c);
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, index) = MaxPool(x, c, isa);
            Assert.Equal(expected, y);
            Assert.Equal(expectedIndex, index);
            var (yf, indexF) = MaxPool(Narrow(x), c, isa);
            Assert.Equal(Narrow(expected), yf);
            Assert.Equal(expectedIndex, indexF);
        }
    }

    [Property]
    public void Avg_pool_matches_the_reference_and_every_path_the_scalar_one(PoolCase c, bool countIncludePad)
    {
        double[] x = PoolingReference.Values(c.Planes * c.H * c.W, c.Seed);
        double[] expected = PoolingReference.AvgPool(x, c, countIncludePad);
        double[] scale = PoolingReference.AvgPool(Array.ConvertAll(x, Math.Abs), c, countIncludePad);
        float[] xf = Narrow(x);
        double[] expectedF = PoolingReference.AvgPool(Widen(xf), c, countIncludePad);
        double[] scalar = AvgPool(x, c, countIncludePad, CpuIsa.Scalar);
        float[] scalarF = AvgPool(xf, c, countIncludePad, CpuIsa.Scalar);
        foreach (var isa in ReductionTestData.Executable)
        {
            double[] y = AvgPool(x, c, countIncludePad, isa);
            float[] yf = AvgPool(xf, c, countIncludePad, isa);
            for (int o = 0; o < y.Length; o++)
            {
                // Relative to the mean magnitude of the window, so cancelling sums are judged fairly.
                Assert.True(Math.Abs(y[o] - expected[o]) <= 1e-12 * scale[o], $"{isa} {c} at {o}: {y[o]} vs {expected[o]}");
                Assert.True(Math.Abs(y[o] - scalar[o]) <= 1e-12 * scale[o], $"{isa} {c} at {o}: {y[o]} vs scalar {scalar[o]}");
                Assert.True(Math.Abs(yf[o] - expectedF[o]) <= 1e-6 * scale[o], $"{isa} float {c} at {o}: {yf[o]} vs {expectedF[o]}");
                Assert.True(Math.Abs(yf[o] - scalarF[o]) <= 1e-6 * scale[o], $"{isa} float {c} at {o}: {yf[o]} vs scalar {scalarF[o]}");
            }
        }
    }

    [Property]
    public void Max_pool_backward_scatters_to_the_argmax(PoolCase c)
    {
        double[] x = PoolingReference.Values(c.Planes * c.H * c.W, c.Seed, ties: true);
        var (_, index) = PoolingReference.MaxPool(x, c);
        double[] dy = PoolingReference.Values(index.Length, c.Seed + 1);
        double[] expected = PoolingReference.MaxPoolBackward(dy, index, c);
        var dx = new double[x.Length];
        fixed (double* pdy = dy, pdx = dx) fixed (int* pi = index) MaxPool2d.Backward(pdy, pi, c.Planes, c.Geometry, pdx);
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(expected[i] - dx[i]) <= 1e-12, $"{c} at {i}: {dx[i]} vs {expected[i]}");
        var dxf = new float[x.Length];
        float[] dyf = Narrow(dy);
        fixed (float* pdy = dyf, pdx = dxf) fixed (int* pi = index) MaxPool2d.Backward(pdy, pi, c.Planes, c.Geometry, pdx);
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(expected[i] - dxf[i]) <= 1e-5, $"{c} at {i}: {dxf[i]} vs {expected[i]}");
    }

    [Property]
    public void Avg_pool_backward_matches_the_reference(PoolCase c, bool countIncludePad)
    {
        var g = c.Geometry;
        double[] dy = PoolingReference.Values(c.Planes * g.OutPlane, c.Seed);
        double[] expected = PoolingReference.AvgPoolBackward(dy, c, countIncludePad);
        var dx = new double[c.Planes * c.H * c.W];
        fixed (double* pdy = dy, pdx = dx) AvgPool2d.Backward(pdy, c.Planes, g, countIncludePad, pdx);
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(expected[i] - dx[i]) <= 1e-12, $"{c} at {i}: {dx[i]} vs {expected[i]}");
        var dxf = new float[dx.Length];
        float[] dyf = Narrow(dy);
        fixed (float* pdy = dyf, pdx = dxf) AvgPool2d.Backward(pdy, c.Planes, g, countIncludePad, pdx);
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(expected[i] - dxf[i]) <= 1e-5, $"{c} float at {i}: {dxf[i]} vs {expected[i]}");
    }

    [Property]
    public void Upsample_forward_and_backward_match_the_reference(UpsampleCase c, bool bilinear)
    {
        var mode = bilinear ? UpsampleMode.Bilinear : UpsampleMode.Nearest;
        int oh = c.H * c.SH, ow = c.W * c.SW, inCount = c.Planes * c.H * c.W, outCount = c.Planes * oh * ow;
        var terms = PoolingReference.UpsampleTerms(c, mode);
        double[] x = PoolingReference.Values(inCount, c.Seed), dy = PoolingReference.Values(outCount, c.Seed + 1);
        double[] expected = PoolingReference.Apply(terms, x, outCount), expectedDx = PoolingReference.ApplyTransposed(terms, dy, inCount);
        var y = new double[outCount];
        var dx = new double[inCount];
        fixed (double* px = x, py = y, pdy = dy, pdx = dx)
        {
            Upsample2d.Forward(mode, px, c.Planes, c.H, c.W, oh, ow, py);
            Upsample2d.Backward(mode, pdy, c.Planes, c.H, c.W, oh, ow, pdx);
        }
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-12, $"{mode} {c} y at {i}: {y[i]} vs {expected[i]}");
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(expectedDx[i] - dx[i]) <= 1e-12, $"{mode} {c} dx at {i}: {dx[i]} vs {expectedDx[i]}");

        float[] xf = Narrow(x);
        var yf = new float[outCount];
        fixed (float* px = xf, py = yf) Upsample2d.Forward(mode, px, c.Planes, c.H, c.W, oh, ow, py);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(expected[i] - yf[i]) <= 1e-5, $"{mode} {c} float y at {i}: {yf[i]} vs {expected[i]}");
    }

    [Property]
    public void Bilinear_backward_is_the_adjoint_of_forward(UpsampleCase c)
    {
        // <up(x), y> = <x, upᵀ(y)>.
        int oh = c.H * c.SH, ow = c.W * c.SW, inCount = c.Planes * c.H * c.W, outCount = c.Planes * oh * ow;
        double[] x = PoolingReference.Values(inCount, c.Seed), y = PoolingReference.Values(outCount, c.Seed + 1);
        var upX = new double[outCount];
        var upTy = new double[inCount];
        fixed (double* px = x, pUp = upX, py = y, pUpT = upTy)
        {
            Upsample2d.Forward(UpsampleMode.Bilinear, px, c.Planes, c.H, c.W, oh, ow, pUp);
            Upsample2d.Backward(UpsampleMode.Bilinear, py, c.Planes, c.H, c.W, oh, ow, pUpT);
        }
        double left = upX.Zip(y, (a, b) => a * b).Sum(), right = x.Zip(upTy, (a, b) => a * b).Sum();
        Assert.True(Math.Abs(left - right) <= 1e-10 * Math.Max(1, Math.Abs(left)), $"{c}: {left} vs {right}");
    }

    [Property]
    public void Nearest_upsampling_is_identical_on_every_path(UpsampleCase c, bool pairs)
    {
        // Width ×2 takes the vector paths; widen the plane so their loops and tails both run.
        if (pairs) c = c with { W = c.W * 5, SW = 2 };
        int oh = c.H * c.SH, ow = c.W * c.SW, inCount = c.Planes * c.H * c.W, outCount = c.Planes * oh * ow;
        float[] x = Narrow(PoolingReference.Values(inCount, c.Seed)), dy = Narrow(PoolingReference.Values(outCount, c.Seed + 1));
        (float[] Y, float[] Dx) Run(CpuIsa isa)
        {
            var y = new float[outCount];
            var dx = new float[inCount];
            fixed (float* px = x, py = y, pdy = dy, pdx = dx)
            {
                Upsample2d.Forward(UpsampleMode.Nearest, px, c.Planes, c.H, c.W, oh, ow, py, isa);
                Upsample2d.Backward(UpsampleMode.Nearest, pdy, c.Planes, c.H, c.W, oh, ow, pdx, isa);
            }
            return (y, dx);
        }
        var (scalarY, scalarDx) = Run(CpuIsa.Scalar);
        Assert.Equal(PoolingReference.Apply(PoolingReference.UpsampleTerms(c, UpsampleMode.Nearest), Widen(x), outCount), Widen(scalarY));
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, dx) = Run(isa);
            Assert.Equal(scalarY, y);
            Assert.Equal(scalarDx, dx);
        }
    }

    [Fact]
    public void Nearest_upsampling_copies_infinities_exactly()
    {
        double[] x = [double.PositiveInfinity, 1, double.NegativeInfinity, 2];
        var y = new double[16];
        fixed (double* px = x, py = y) Upsample2d.Forward(UpsampleMode.Nearest, px, 1, 2, 2, 4, 4, py);
        Assert.Equal(new double[] { double.PositiveInfinity, double.PositiveInfinity, 1, 1 }, y[..4]);
        Assert.Equal(new double[] { double.NegativeInfinity, double.NegativeInfinity, 2, 2 }, y[12..]);
    }

    [Fact]
    public void Max_pool_ties_go_to_the_first_cell_in_row_major_window_order()
    {
        // Window [[1, 5], [5, 5]]: the three 5s tie; the first in row-major order is (0, 1).
        double[] x = [1, 5, 5, 5];
        var c = new PoolCase(1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0);
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, index) = MaxPool(x, c, isa);
            Assert.Equal([5.0], y);
            Assert.Equal([1], index);
        }
        // Vertical winner (1, 0) against horizontal winner (0, 1) with equal values: the smaller index wins.
        double[] y2 = [0, 3, 3, 0];
        foreach (var isa in ReductionTestData.Executable) Assert.Equal([1], MaxPool(y2, c, isa).Index);
    }

    [Fact]
    public void Many_planes_split_over_threads_give_the_serial_result()
    {
        var c = new PoolCase(40, 32, 9, 26, 3, 2, 2, 2, 1, 0, 7);
        double[] x = PoolingReference.Values(c.Planes * c.H * c.W, c.Seed);
        var (expected, expectedIndex) = PoolingReference.MaxPool(x, c);
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, index) = MaxPool(x, c, isa);
            Assert.Equal(expected, y);
            Assert.Equal(expectedIndex, index);
        }
        double[] avg = PoolingReference.AvgPool(x, c, countIncludePad: false);
        double[] got = AvgPool(x, c, false, IsaDispatch.Active);
        for (int i = 0; i < avg.Length; i++) Assert.True(Math.Abs(avg[i] - got[i]) <= 1e-12, $"at {i}: {got[i]} vs {avg[i]}");
    }

    [Theory]
    [InlineData(0, 2, 2, 0, "kernel")]
    [InlineData(2, 0, 2, 0, "stride")]
    [InlineData(2, 2, 2, 2, "padding")]
    [InlineData(5, 1, 5, 0, "larger than the padded input")]
    public void Bad_geometry_throws_naming_the_kernel_and_the_problem(int kernel, int stride, int kernelW, int padding, string problem)
    {
        var g = new PoolGeometry(3, 3, kernel, kernelW, stride, 1, padding, 0);
        var x = new double[9];
        var y = new double[64];
        var index = new int[64];
        var e = Assert.Throws<ArgumentException>(() =>
        {
            fixed (double* px = x, py = y) fixed (int* pi = index) MaxPool2d.Forward(px, 1, g, py, pi, CpuIsa.Scalar);
        });
        Assert.Contains("MaxPool2d", e.Message);
        Assert.Contains(problem, e.Message);
        var avg = Assert.Throws<ArgumentException>(() =>
        {
            fixed (double* px = x, py = y) AvgPool2d.Forward(px, 1, g, true, py, CpuIsa.Scalar);
        });
        Assert.Contains("AvgPool2d", avg.Message);
    }

    [Fact]
    public void Nearest_upsampling_to_a_fraction_of_a_cell_throws()
    {
        var x = new double[4];
        var y = new double[12];
        var e = Assert.Throws<ArgumentException>(() =>
        {
            fixed (double* px = x, py = y) Upsample2d.Forward(UpsampleMode.Nearest, px, 1, 2, 2, 3, 4, py);
        });
        Assert.Contains("Upsample2d", e.Message);
    }
}
