using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>The GPU pooling and upsampling kernels against the CPU scalar paths, on the ILGPU CPU simulator.</summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuPoolingTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>Planes and geometries: odd planes, stride ≠ window (overlapping and gapped), padding, a 1-D pool, a whole-plane window.</summary>
    public static TheoryData<long, PoolGeometry> Geometries() => new()
    {
        { 3, new PoolGeometry(8, 8, 2, 2, 2, 2, 0, 0) },
        { 5, new PoolGeometry(7, 9, 3, 3, 2, 2, 1, 1) },
        { 2, new PoolGeometry(9, 7, 3, 2, 1, 3, 1, 0) },
        { 3, new PoolGeometry(6, 11, 2, 3, 3, 2, 0, 1) },
        { 7, new PoolGeometry(1, 23, 1, 4, 1, 3, 0, 2) },
        { 1, new PoolGeometry(5, 5, 5, 5, 1, 1, 2, 2) },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPoolMatchesCpu(long planes, PoolGeometry geometry)
    {
        CheckMaxPool<float>(planes, geometry, specials: false, ties: false);
        CheckMaxPool<double>(planes, geometry, specials: false, ties: false);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPoolMatchesCpuWithTiesAndNaN(long planes, PoolGeometry geometry)
    {
        CheckMaxPool<float>(planes, geometry, specials: true, ties: true);
        CheckMaxPool<double>(planes, geometry, specials: true, ties: true);
    }

    [Fact]
    public void MaxPoolTakesTheFirstMaximumAndTheFirstNaN()
    {
        // One 2×3 window: ties at 5 (the first, index 1, wins) and, in the second plane, NaN at 4 after a NaN at 2.
        double[] x = [1, 5, 5, 0, 5, 2, 1, 9, double.NaN, 3, double.NaN, 9];
        var geometry = new PoolGeometry(2, 3, 2, 3, 1, 1, 0, 0);
        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<double>(2);
        using var argmax = _accelerator.Allocate1D<int>(2);
        GpuPooling.MaxPool2d<double>(_accelerator, geometry, 2, xs.View, ys.View, argmax.View);
        _accelerator.Synchronize();
        Assert.Equal([1, 2], argmax.GetAsArray1D());
        var y = ys.GetAsArray1D();
        Assert.Equal(5, y[0]);
        Assert.True(double.IsNaN(y[1]));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AvgPoolMatchesCpu(long planes, PoolGeometry geometry)
    {
        foreach (bool countIncludePad in new[] { false, true })
        {
            CheckAvgPool<float>(planes, geometry, countIncludePad);
            CheckAvgPool<double>(planes, geometry, countIncludePad);
        }
    }

    /// <summary>Shapes: whole factors (nearest and bilinear), non-integer bilinear scales up and down, a 1-row plane.</summary>
    public static TheoryData<UpsampleMode, long, int, int, int, int> Upsamples() => new()
    {
        { UpsampleMode.Nearest, 3, 5, 7, 10, 14 },
        { UpsampleMode.Nearest, 2, 4, 3, 12, 6 },
        { UpsampleMode.Nearest, 5, 1, 9, 1, 27 },
        { UpsampleMode.Bilinear, 3, 5, 7, 10, 14 },
        { UpsampleMode.Bilinear, 2, 4, 5, 7, 13 },
        { UpsampleMode.Bilinear, 3, 9, 8, 5, 3 },
        { UpsampleMode.Bilinear, 4, 1, 6, 3, 11 },
        { UpsampleMode.Bilinear, 1, 3, 3, 3, 3 },
    };

    [Theory]
    [MemberData(nameof(Upsamples))]
    public void UpsampleMatchesCpu(UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth)
    {
        CheckUpsample<float>(mode, planes, height, width, outHeight, outWidth);
        CheckUpsample<double>(mode, planes, height, width, outHeight, outWidth);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        using var x = _accelerator.Allocate1D<float>(64);
        using var y = _accelerator.Allocate1D<float>(16);
        using var argmax = _accelerator.Allocate1D<int>(16);
        var good = new PoolGeometry(8, 8, 2, 2, 2, 2, 0, 0);

        var e = Assert.Throws<ArgumentException>(() =>
            GpuPooling.MaxPool2d<float>(_accelerator, good with { PadH = 2 }, 1, x.View, y.View, argmax.View));
        Assert.Contains("GpuPooling.MaxPool2d", e.Message);
        Assert.Contains("padding (2, 0)", e.Message);

        e = Assert.Throws<ArgumentException>(() => GpuPooling.MaxPool2d<float>(_accelerator, good, 2, x.View, y.View, argmax.View));
        Assert.Contains("x has 64 elements, the problem needs 128", e.Message);

        e = Assert.Throws<ArgumentException>(() => GpuPooling.AvgPool2dBackward<float>(_accelerator, good, 1, true, y.View, y.View));
        Assert.Contains("GpuPooling.AvgPool2dBackward: dx has 16 elements, the problem needs 64", e.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => GpuPooling.AvgPool2d<float>(_accelerator, good, -1, false, x.View, y.View));

        e = Assert.Throws<ArgumentException>(() => GpuPooling.Upsample2d<float>(_accelerator, UpsampleMode.Nearest, 1, 3, 3, 4, 6, x.View, y.View));
        Assert.Contains("GpuPooling.Upsample2d: nearest needs whole scale factors, got 3×3 to 4×6", e.Message);

        e = Assert.Throws<ArgumentException>(() => GpuPooling.Upsample2dBackward<float>(_accelerator, UpsampleMode.Bilinear, 1, 0, 3, 4, 6, y.View, x.View));
        Assert.Contains("sizes must be positive", e.Message);

        using var ints = _accelerator.Allocate1D<int>(64);
        var unsupported = Assert.Throws<NotSupportedException>(() => GpuPooling.Upsample2d<int>(_accelerator, UpsampleMode.Nearest, 1, 4, 4, 8, 8, ints.View, ints.View));
        Assert.Contains("float and double", unsupported.Message);
    }

    [Fact]
    public void ZeroPlanesLaunchNothing()
    {
        using var empty = _accelerator.Allocate1D<double>(1);
        using var argmax = _accelerator.Allocate1D<int>(1);
        var geometry = new PoolGeometry(4, 4, 2, 2, 2, 2, 0, 0);
        GpuPooling.MaxPool2d<double>(_accelerator, geometry, 0, empty.View.SubView(0, 0), empty.View.SubView(0, 0), argmax.View.SubView(0, 0));
        GpuPooling.MaxPool2dBackward<double>(_accelerator, geometry, 0, empty.View.SubView(0, 0), argmax.View.SubView(0, 0), empty.View.SubView(0, 0));
        GpuPooling.Upsample2d<double>(_accelerator, UpsampleMode.Bilinear, 0, 2, 2, 3, 3, empty.View.SubView(0, 0), empty.View.SubView(0, 0));
        _accelerator.Synchronize();
    }

    private void CheckMaxPool<T>(long planes, PoolGeometry g, bool specials, bool ties) where T : unmanaged, IComparable<T>
    {
        var random = new Random(HashCode.Combine(planes, g.GetHashCode(), specials));
        long inCount = planes * g.InPlane, outCount = planes * g.OutPlane;
        var x = GpuComparison.Random<T>(random, inCount, 4, specials);
        // Few distinct values make ties in most windows.
        if (ties)
            for (long i = 0; i < inCount; i++)
                if (double.IsFinite(GpuComparison.ToDouble(x[i]))) x[i] = GpuComparison.FromDouble<T>(Math.Round(GpuComparison.ToDouble(x[i])));
        var dy = GpuComparison.Random<T>(random, outCount, 2, false);

        var yExpected = new T[outCount];
        var argmaxExpected = new int[outCount];
        var dxExpected = new T[inCount];
        fixed (T* px = x, py = yExpected, pdy = dy, pdx = dxExpected)
        fixed (int* pa = argmaxExpected)
        {
            MaxPool2d.Forward(px, planes, g, py, pa, CpuIsa.Scalar);
            if (typeof(T) == typeof(float)) MaxPool2d.Backward((float*)pdy, pa, planes, g, (float*)pdx);
            else MaxPool2d.Backward((double*)pdy, pa, planes, g, (double*)pdx);
        }

        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<T>(outCount);
        using var argmax = _accelerator.Allocate1D<int>(outCount);
        using var dys = _accelerator.Allocate1D(dy);
        using var dxs = _accelerator.Allocate1D(GpuComparison.Random<T>(random, inCount, 9, false)); // stale values must be overwritten
        GpuPooling.MaxPool2d<T>(_accelerator, g, planes, xs.View, ys.View, argmax.View);
        GpuPooling.MaxPool2dBackward<T>(_accelerator, g, planes, dys.View, argmax.View, dxs.View);
        _accelerator.Synchronize();

        string what = $"MaxPool2d<{typeof(T).Name}> {planes} planes, {g}";
        GpuComparison.AssertExact(yExpected, ys.GetAsArray1D(), what);
        Assert.Equal(argmaxExpected, argmax.GetAsArray1D());
        GpuComparison.AssertExact(dxExpected, dxs.GetAsArray1D(), what + " backward");
    }

    private void CheckAvgPool<T>(long planes, PoolGeometry g, bool countIncludePad) where T : unmanaged
    {
        var random = new Random(HashCode.Combine(planes, g.GetHashCode(), countIncludePad));
        long inCount = planes * g.InPlane, outCount = planes * g.OutPlane;
        var x = GpuComparison.Random<T>(random, inCount, 4, false);
        var dy = GpuComparison.Random<T>(random, outCount, 2, false);
        var yExpected = new T[outCount];
        var dxExpected = new T[inCount];
        fixed (T* px = x, py = yExpected, pdy = dy, pdx = dxExpected)
        {
            AvgPool2d.Forward(px, planes, g, countIncludePad, py, CpuIsa.Scalar);
            if (typeof(T) == typeof(float)) AvgPool2d.Backward((float*)pdy, planes, g, countIncludePad, (float*)pdx);
            else AvgPool2d.Backward((double*)pdy, planes, g, countIncludePad, (double*)pdx);
        }

        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<T>(outCount);
        using var dys = _accelerator.Allocate1D(dy);
        using var dxs = _accelerator.Allocate1D(GpuComparison.Random<T>(random, inCount, 9, false));
        GpuPooling.AvgPool2d<T>(_accelerator, g, planes, countIncludePad, xs.View, ys.View);
        GpuPooling.AvgPool2dBackward<T>(_accelerator, g, planes, countIncludePad, dys.View, dxs.View);
        _accelerator.Synchronize();

        string what = $"AvgPool2d<{typeof(T).Name}> {planes} planes, {g}, countIncludePad {countIncludePad}";
        // Same summation order as the CPU scalar path: equal bit for bit.
        GpuComparison.AssertExact(yExpected, ys.GetAsArray1D(), what);
        GpuComparison.AssertExact(dxExpected, dxs.GetAsArray1D(), what + " backward");
    }

    private void CheckUpsample<T>(UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth) where T : unmanaged
    {
        var random = new Random(HashCode.Combine(mode, planes, height, width, outHeight, outWidth));
        long inCount = planes * height * width, outCount = planes * outHeight * outWidth;
        var x = GpuComparison.Random<T>(random, inCount, 4, false);
        var dy = GpuComparison.Random<T>(random, outCount, 2, false);
        var yExpected = new T[outCount];
        var dxExpected = new T[inCount];
        fixed (T* px = x, py = yExpected, pdy = dy, pdx = dxExpected)
        {
            if (typeof(T) == typeof(float))
            {
                Upsample2d.Forward(mode, (float*)px, planes, height, width, outHeight, outWidth, (float*)py, CpuIsa.Scalar);
                Upsample2d.Backward(mode, (float*)pdy, planes, height, width, outHeight, outWidth, (float*)pdx, CpuIsa.Scalar);
            }
            else
            {
                Upsample2d.Forward(mode, (double*)px, planes, height, width, outHeight, outWidth, (double*)py, CpuIsa.Scalar);
                Upsample2d.Backward(mode, (double*)pdy, planes, height, width, outHeight, outWidth, (double*)pdx, CpuIsa.Scalar);
            }
        }

        using var xs = _accelerator.Allocate1D(x);
        using var ys = _accelerator.Allocate1D<T>(outCount);
        using var dys = _accelerator.Allocate1D(dy);
        using var dxs = _accelerator.Allocate1D(GpuComparison.Random<T>(random, inCount, 9, false));
        GpuPooling.Upsample2d<T>(_accelerator, mode, planes, height, width, outHeight, outWidth, xs.View, ys.View);
        GpuPooling.Upsample2dBackward<T>(_accelerator, mode, planes, height, width, outHeight, outWidth, dys.View, dxs.View);
        _accelerator.Synchronize();

        string what = $"Upsample2d<{typeof(T).Name}> {mode} {planes}×{height}×{width} to {outHeight}×{outWidth}";
        if (mode == UpsampleMode.Nearest)
        {
            GpuComparison.AssertExact(yExpected, ys.GetAsArray1D(), what);
            GpuComparison.AssertExact(dxExpected, dxs.GetAsArray1D(), what + " backward");
        }
        else
        {
            GpuComparison.AssertClose(yExpected, ys.GetAsArray1D(), what);
            GpuComparison.AssertClose(dxExpected, dxs.GetAsArray1D(), what + " backward");
        }
    }
}
