using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>The GPU batch- and layer-normalisation kernels against the CPU scalar paths, on the ILGPU CPU simulator.</summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuNormalizationTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>
    /// [outer, channels, inner] with and without weight and bias, training and eval: [N, C] (inner 1), odd sizes,
    /// channels longer than a 256-thread group. One combination per shape keeps the simulator's time down.
    /// </summary>
    public static TheoryData<long, long, long, bool, bool> BatchShapes() => new()
    {
        { 7, 5, 1, true, true }, { 3, 4, 9, false, true }, { 2, 3, 45, true, false }, { 10, 1, 27, true, true },
        { 2, 6, 1, false, false }, { 5, 1, 20, true, false },
    };

    /// <summary>[rows, rowLength] with and without weight and bias: one element per row, odd lengths, rows longer than a group, many short rows.</summary>
    public static TheoryData<long, long, bool> LayerShapes() => new()
    {
        { 5, 1, true }, { 3, 7, false }, { 4, 33, true }, { 1, 270, true }, { 37, 5, false }, { 1, 64, true },
    };

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void BatchNormMatchesCpu(long outer, long channels, long inner, bool affine, bool training)
    {
        CheckBatchNorm<float>(outer, channels, inner, affine, training);
        CheckBatchNorm<double>(outer, channels, inner, affine, training);
    }

    [Fact]
    public void BatchNormStatisticsKeepTheDigitsOfALargeMean()
    {
        // Values 1e4 ± 1: E[x²] − E[x]² would lose every digit in float; the two-pass variance does not.
        var random = new Random(5);
        long n = 600;
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 10_000f + (float)(random.NextDouble() * 2 - 1);
        double mean = x.Average(v => (double)v), variance = x.Average(v => ((double)v - mean) * ((double)v - mean));
        using var xs = _accelerator.Allocate1D(x);
        using var means = _accelerator.Allocate1D<float>(1);
        using var variances = _accelerator.Allocate1D<float>(1);
        GpuNormalization.BatchNormStatistics<float>(_accelerator, n, 1, 1, xs.View, means.View, variances.View);
        _accelerator.Synchronize();
        Assert.Equal(mean, means.GetAsArray1D()[0], 1e-2);
        Assert.Equal(variance, variances.GetAsArray1D()[0], variance * 1e-3);
    }

    [Theory]
    [MemberData(nameof(LayerShapes))]
    public void LayerNormMatchesCpu(long rows, long rowLength, bool affine)
    {
        CheckLayerNorm<float>(rows, rowLength, affine);
        CheckLayerNorm<double>(rows, rowLength, affine);
    }

    [Fact]
    public void EmptyGradientOutputsAreSkipped()
    {
        // Only dBias for batch norm and only dWeight for layer norm: the other outputs are empty views.
        double[] x = [1, 2, 3, 4, 5, 6], dy = [1, -1, 2, 0.5, 3, -2];
        using var xs = _accelerator.Allocate1D(x);
        using var dys = _accelerator.Allocate1D(dy);
        using var stats = _accelerator.Allocate1D<double>(2);
        using var dBias = _accelerator.Allocate1D<double>(2);
        // [outer 3, channels 2, inner 1]: channel 0 holds 1, 3, 5 and channel 1 holds 2, 4, 6.
        GpuNormalization.BatchNormBackward<double>(_accelerator, 3, 2, 1, xs.View, dys.View, stats.View, stats.View, ArrayView<double>.Empty, 1e-5,
            true, ArrayView<double>.Empty, ArrayView<double>.Empty, dBias.View);
        using var mean = _accelerator.Allocate1D<double>(2);
        using var invStd = _accelerator.Allocate1D<double>(2);
        using var y = _accelerator.Allocate1D<double>(6);
        using var dWeight = _accelerator.Allocate1D<double>(3);
        GpuNormalization.LayerNormForward<double>(_accelerator, 2, 3, xs.View, ArrayView<double>.Empty, ArrayView<double>.Empty, 0, y.View, mean.View, invStd.View);
        GpuNormalization.LayerNormBackward<double>(_accelerator, 2, 3, xs.View, dys.View, mean.View, invStd.View, ArrayView<double>.Empty,
            ArrayView<double>.Empty, dWeight.View, ArrayView<double>.Empty);
        _accelerator.Synchronize();
        Assert.Equal([1 + 2 + 3.0, -1 + 0.5 - 2], dBias.GetAsArray1D());
        Assert.Equal([2.0, 5.0], mean.GetAsArray1D());
        // x̂ of both rows is (−√1.5, 0, √1.5): dWeight = x̂·(dy row 0 + dy row 1).
        double s = Math.Sqrt(1.5);
        var expected = new[] { -s * (1 + 0.5), 0, s * (2 - 2) };
        var actual = dWeight.GetAsArray1D();
        for (int j = 0; j < 3; j++) Assert.Equal(expected[j], actual[j], 1e-12);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        using var x = _accelerator.Allocate1D<float>(24);
        using var c = _accelerator.Allocate1D<float>(4);
        using var small = _accelerator.Allocate1D<float>(2);

        var e = Assert.Throws<ArgumentException>(() => GpuNormalization.BatchNormStatistics<float>(_accelerator, 2, 4, 4, x.View, c.View, c.View));
        Assert.Contains("GpuNormalization.BatchNormStatistics: x has 24 elements, the problem needs 32", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            GpuNormalization.BatchNormForward<float>(_accelerator, 2, 4, 3, x.View, c.View, c.View, small.View, ArrayView<float>.Empty, 1e-5, x.View));
        Assert.Contains("GpuNormalization.BatchNormForward: weight has 2 elements, the problem needs 4", e.Message);

        var eps = Assert.Throws<ArgumentOutOfRangeException>(() =>
            GpuNormalization.BatchNormForward<float>(_accelerator, 2, 4, 3, x.View, c.View, c.View, c.View, c.View, double.NaN, x.View));
        Assert.Contains("eps must be finite and non-negative", eps.Message);

        e = Assert.Throws<ArgumentException>(() =>
            GpuNormalization.BatchNormBackward<float>(_accelerator, -1, 4, 3, x.View, x.View, c.View, c.View, c.View, 1e-5, true, x.View, c.View, c.View));
        Assert.Contains("outer = -1, channels = 4, inner = 3 must be non-negative", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            GpuNormalization.LayerNormForward<float>(_accelerator, 6, 4, x.View, c.View, c.View, 1e-5, x.View, c.View, c.View));
        Assert.Contains("GpuNormalization.LayerNormForward: mean has 4 elements, the problem needs 6", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            GpuNormalization.LayerNormBackward<float>(_accelerator, 4, 6, x.View, x.View, c.View, c.View, ArrayView<float>.Empty, x.View, small.View, ArrayView<float>.Empty));
        Assert.Contains("GpuNormalization.LayerNormBackward: dWeight has 2 elements, the problem needs 6", e.Message);

        using var ints = _accelerator.Allocate1D<int>(8);
        Assert.Throws<NotSupportedException>(() => GpuNormalization.BatchNormStatistics<int>(_accelerator, 2, 2, 2, ints.View, ints.View, ints.View));
    }

    /// <summary>The buffer's view, or an empty view for an absent operand (ILGPU cannot allocate an empty buffer from an array).</summary>
    private static ArrayView<T> Optional<T>(MemoryBuffer1D<T, Stride1D.Dense>? buffer) where T : unmanaged =>
        buffer is null ? ArrayView<T>.Empty : buffer.View;

    private void CheckBatchNorm<T>(long outer, long channels, long inner, bool affine, bool training) where T : unmanaged
    {
        var random = new Random(HashCode.Combine(outer, channels, inner, affine, training));
        long n = outer * channels * inner;
        // An offset mean, so centring matters.
        var x = GpuComparison.Random<T>(random, n, 3, false);
        for (long i = 0; i < n; i++) x[i] = GpuComparison.FromDouble<T>(GpuComparison.ToDouble(x[i]) + 5);
        var dy = GpuComparison.Random<T>(random, n, 2, false);
        var weight = affine ? GpuComparison.Random<T>(random, channels, 2, false) : [];
        var bias = affine ? GpuComparison.Random<T>(random, channels, 2, false) : [];
        const double eps = 1e-5;

        var mean = new T[channels];
        var variance = new T[channels];
        var y = new T[n];
        var dx = new T[n];
        var dWeight = new T[channels];
        var dBias = new T[channels];
        fixed (T* px = x, pdy = dy, pw = weight, pb = bias, pm = mean, pv = variance, py = y, pdx = dx, pdw = dWeight, pdb = dBias)
        {
            BatchNorm.Statistics(px, outer, channels, inner, pm, pv, CpuIsa.Scalar);
            BatchNorm.Forward(px, outer, channels, inner, pm, pv, affine ? pw : null, affine ? pb : null, eps, py, CpuIsa.Scalar);
            BatchNorm.Backward(px, pdy, outer, channels, inner, pm, pv, affine ? pw : null, eps, training, pdx, pdw, pdb, CpuIsa.Scalar);
        }

        using var xs = _accelerator.Allocate1D(x);
        using var dys = _accelerator.Allocate1D(dy);
        using var weights = affine ? _accelerator.Allocate1D(weight) : null;
        using var biases = affine ? _accelerator.Allocate1D(bias) : null;
        using var means = _accelerator.Allocate1D<T>(channels);
        using var variances = _accelerator.Allocate1D<T>(channels);
        using var ys = _accelerator.Allocate1D<T>(n);
        using var dxs = _accelerator.Allocate1D<T>(n);
        using var dWeights = _accelerator.Allocate1D<T>(channels);
        using var dBiases = _accelerator.Allocate1D<T>(channels);
        GpuNormalization.BatchNormStatistics<T>(_accelerator, outer, channels, inner, xs.View, means.View, variances.View);
        GpuNormalization.BatchNormForward<T>(_accelerator, outer, channels, inner, xs.View, means.View, variances.View, Optional(weights), Optional(biases), eps, ys.View);
        GpuNormalization.BatchNormBackward<T>(_accelerator, outer, channels, inner, xs.View, dys.View, means.View, variances.View, Optional(weights), eps,
            training, dxs.View, dWeights.View, dBiases.View);
        _accelerator.Synchronize();

        string what = $"BatchNorm<{typeof(T).Name}> [{outer}, {channels}, {inner}] affine {affine} training {training}";
        GpuComparison.AssertClose(mean, means.GetAsArray1D(), what + " mean");
        GpuComparison.AssertClose(variance, variances.GetAsArray1D(), what + " variance");
        GpuComparison.AssertClose(y, ys.GetAsArray1D(), what + " y");
        GpuComparison.AssertClose(dx, dxs.GetAsArray1D(), what + " dx");
        GpuComparison.AssertClose(dWeight, dWeights.GetAsArray1D(), what + " dWeight");
        GpuComparison.AssertClose(dBias, dBiases.GetAsArray1D(), what + " dBias");
    }

    private void CheckLayerNorm<T>(long rows, long rowLength, bool affine) where T : unmanaged
    {
        var random = new Random(HashCode.Combine(rows, rowLength, affine));
        long n = rows * rowLength;
        var x = GpuComparison.Random<T>(random, n, 3, false);
        for (long i = 0; i < n; i++) x[i] = GpuComparison.FromDouble<T>(GpuComparison.ToDouble(x[i]) - 4);
        var dy = GpuComparison.Random<T>(random, n, 2, false);
        var weight = affine ? GpuComparison.Random<T>(random, rowLength, 2, false) : [];
        var bias = affine ? GpuComparison.Random<T>(random, rowLength, 2, false) : [];
        const double eps = 1e-5;

        var y = new T[n];
        var mean = new T[rows];
        var invStd = new T[rows];
        var dx = new T[n];
        var dWeight = new T[rowLength];
        var dBias = new T[rowLength];
        fixed (T* px = x, pdy = dy, pw = weight, pb = bias, py = y, pm = mean, ps = invStd, pdx = dx, pdw = dWeight, pdb = dBias)
        {
            LayerNorm.Forward(px, rows, rowLength, affine ? pw : null, affine ? pb : null, eps, py, pm, ps, CpuIsa.Scalar);
            LayerNorm.Backward(px, pdy, rows, rowLength, pm, ps, affine ? pw : null, pdx, pdw, pdb, CpuIsa.Scalar);
        }

        using var xs = _accelerator.Allocate1D(x);
        using var dys = _accelerator.Allocate1D(dy);
        using var weights = affine ? _accelerator.Allocate1D(weight) : null;
        using var biases = affine ? _accelerator.Allocate1D(bias) : null;
        using var ys = _accelerator.Allocate1D<T>(n);
        using var means = _accelerator.Allocate1D<T>(rows);
        using var invStds = _accelerator.Allocate1D<T>(rows);
        using var dxs = _accelerator.Allocate1D<T>(n);
        using var dWeights = _accelerator.Allocate1D<T>(rowLength);
        using var dBiases = _accelerator.Allocate1D<T>(rowLength);
        GpuNormalization.LayerNormForward<T>(_accelerator, rows, rowLength, xs.View, Optional(weights), Optional(biases), eps, ys.View, means.View, invStds.View);
        GpuNormalization.LayerNormBackward<T>(_accelerator, rows, rowLength, xs.View, dys.View, means.View, invStds.View, Optional(weights),
            dxs.View, dWeights.View, dBiases.View);
        _accelerator.Synchronize();

        string what = $"LayerNorm<{typeof(T).Name}> [{rows}, {rowLength}] affine {affine}";
        GpuComparison.AssertClose(y, ys.GetAsArray1D(), what + " y");
        GpuComparison.AssertClose(mean, means.GetAsArray1D(), what + " mean");
        GpuComparison.AssertClose(invStd, invStds.GetAsArray1D(), what + " invStd");
        GpuComparison.AssertClose(dx, dxs.GetAsArray1D(), what + " dx");
        GpuComparison.AssertClose(dWeight, dWeights.GetAsArray1D(), what + " dWeight");
        GpuComparison.AssertClose(dBias, dBiases.GetAsArray1D(), what + " dBias");
    }
}
