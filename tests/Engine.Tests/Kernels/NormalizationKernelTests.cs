using System.Numerics;
using Engine.Kernels.Cpu;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>Double-precision two-pass references for batch and layer normalisation.</summary>
internal static class NormalizationReference
{
    /// <summary>Mean and biased variance of the values <paramref name="at"/> picks, in two passes.</summary>
    public static (double Mean, double Variance) Moments(int count, Func<int, double> at)
    {
        double sum = 0;
        for (int k = 0; k < count; k++) sum += at(k);
        double mean = sum / count, squares = 0;
        for (int k = 0; k < count; k++) squares += (at(k) - mean) * (at(k) - mean);
        return (mean, squares / count);
    }

    /// <summary>Index of element k of channel c in [outer, channels, inner].</summary>
    public static int ChannelIndex(int k, int c, int channels, int inner) => (k / inner * channels + c) * inner + k % inner;

    public static (double[] Mean, double[] Variance) ChannelMoments(double[] x, int outer, int channels, int inner)
    {
        var mean = new double[channels];
        var variance = new double[channels];
        for (int c = 0; c < channels; c++)
            (mean[c], variance[c]) = Moments(outer * inner, k => x[ChannelIndex(k, c, channels, inner)]);
        return (mean, variance);
    }
}

/// <summary>Runs the kernels on double arrays in a chosen element type and path.</summary>
internal static unsafe class NormalizationRunner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static T[]? To(double[]? values) => values is null ? null : Array.ConvertAll(values, T.CreateTruncating);

    private static double[]? From(T[]? values) => values is null ? null : Array.ConvertAll(values, double.CreateTruncating);

    /// <summary>The values rounded to T and back, so references see exactly what the kernel sees.</summary>
    public static double[] Rounded(double[] values) => From(To(values))!;

    public static (double[] Mean, double[] Variance) Statistics(double[] x, int outer, int channels, int inner, CpuIsa isa)
    {
        T[] tx = To(x)!, mean = new T[channels], variance = new T[channels];
        fixed (T* px = tx, pm = mean, pv = variance) BatchNorm.Statistics(px, outer, channels, inner, pm, pv, isa);
        return (From(mean)!, From(variance)!);
    }

    public static double[] BatchForward(double[] x, int outer, int channels, int inner, double[] mean, double[] variance,
        double[]? weight, double[]? bias, double eps, CpuIsa isa)
    {
        T[] tx = To(x)!, tm = To(mean)!, tv = To(variance)!, y = new T[x.Length];
        T[]? tw = To(weight), tb = To(bias);
        fixed (T* px = tx, pm = tm, pv = tv, pw = tw, pb = tb, py = y)
            BatchNorm.Forward(px, outer, channels, inner, pm, pv, pw, pb, eps, py, isa);
        return From(y)!;
    }

    public static (double[] Dx, double[] DWeight, double[] DBias) BatchBackward(double[] x, double[] dy, int outer, int channels, int inner,
        double[] mean, double[] variance, double[]? weight, double eps, bool training, CpuIsa isa)
    {
        T[] tx = To(x)!, tdy = To(dy)!, tm = To(mean)!, tv = To(variance)!, dx = new T[x.Length], dw = new T[channels], db = new T[channels];
        T[]? tw = To(weight);
        fixed (T* px = tx, pdy = tdy, pm = tm, pv = tv, pw = tw, pdx = dx, pdw = dw, pdb = db)
            BatchNorm.Backward(px, pdy, outer, channels, inner, pm, pv, pw, eps, training, pdx, pdw, pdb, isa);
        return (From(dx)!, From(dw)!, From(db)!);
    }

    public static (double[] Y, double[] Mean, double[] InvStd) LayerForward(double[] x, int rows, int length, double[]? weight, double[]? bias, double eps, CpuIsa isa)
    {
        T[] tx = To(x)!, y = new T[x.Length], mean = new T[rows], invStd = new T[rows];
        T[]? tw = To(weight), tb = To(bias);
        fixed (T* px = tx, pw = tw, pb = tb, py = y, pm = mean, pi = invStd)
            LayerNorm.Forward(px, rows, length, pw, pb, eps, py, pm, pi, isa);
        return (From(y)!, From(mean)!, From(invStd)!);
    }

    public static (double[] Dx, double[] DWeight, double[] DBias) LayerBackward(double[] x, double[] dy, int rows, int length,
        double[] mean, double[] invStd, double[]? weight, CpuIsa isa)
    {
        T[] tx = To(x)!, tdy = To(dy)!, tm = To(mean)!, ti = To(invStd)!, dx = new T[x.Length], dw = new T[length], db = new T[length];
        T[]? tw = To(weight);
        fixed (T* px = tx, pdy = tdy, pm = tm, pi = ti, pw = tw, pdx = dx, pdw = dw, pdb = db)
            LayerNorm.Backward(px, pdy, rows, length, pm, pi, pw, pdx, pdw, pdb, isa);
        return (From(dx)!, From(dw)!, From(db)!);
    }
}

public unsafe class NormalizationKernelTests
{
    private const double Eps = 1e-5;

    private static double Rtol<T>() => typeof(T) == typeof(float) ? 3e-5 : 1e-11;

    private static void Near(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: {actual} vs {expected} (tolerance {tolerance:g3})");

    private static (int Outer, int Channels, int Inner) ChannelShape(int a, int b, int c)
    {
        var (outer, channels, inner) = ReductionTestData.Shape(a, b, c);
        while ((long)outer * channels * inner > 8_000 && channels > 1) channels /= 2;
        return (outer, channels, inner);
    }

    private static double[] Values(int count, int seed, double offset = 0, double scale = 3) =>
        Array.ConvertAll(ReductionTestData.RandomDoubles(count, seed, scale), v => v + offset);

    // ---- batch-norm statistics ----------------------------------------------------------------------

    private static void CheckStatistics<T>(int a, int b, int c, int seed, double offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, channels, inner) = ChannelShape(a, b, c);
        double[] x = NormalizationRunner<T>.Rounded(Values(outer * channels * inner, seed, offset));
        var (mean, variance) = NormalizationReference.ChannelMoments(x, outer, channels, inner);
        foreach (var isa in ReductionTestData.Executable)
        {
            var (m, v) = NormalizationRunner<T>.Statistics(x, outer, channels, inner, isa);
            for (int ch = 0; ch < channels; ch++)
            {
                string at = $"{typeof(T).Name} {isa} [{outer},{channels},{inner}] channel {ch}";
                Near(mean[ch], m[ch], Rtol<T>() * (Math.Abs(mean[ch]) + Math.Sqrt(variance[ch])) + 1e-300, at + " mean");
                Near(variance[ch], v[ch], 4 * Rtol<T>() * variance[ch] + 1e-300, at + " variance");
            }
        }
    }

    [Property(MaxTest = 40)]
    public void Float_statistics_match_two_pass_reference(int a, int b, int c, int seed) => CheckStatistics<float>(a, b, c, seed, offset: 0);

    [Property(MaxTest = 30)]
    public void Double_statistics_match_two_pass_reference(int a, int b, int c, int seed) => CheckStatistics<double>(a, b, c, seed, offset: 0);

    [Property(MaxTest = 20)]
    public void Float_statistics_keep_a_small_spread_under_an_offset_mean(int a, int b, int c, int seed) => CheckStatistics<float>(a, b, c, seed, offset: 300);

    [Theory]
    [InlineData(32, 1000)] // channel strips, vectorised along inner
    [InlineData(32000, 1)] // [N, C]: vectorised across the channels of a row
    [InlineData(4000, 8)]
    public void Large_mean_variance_is_accurate_where_the_naive_formula_fails(int outer, int inner)
    {
        const int channels = 3;
        var random = new Random(7);
        var x = new float[outer * channels * inner];
        for (int k = 0; k < x.Length; k++) x[k] = (float)(1e4 + NormalSample(random));
        double[] wide = Array.ConvertAll(x, v => (double)v);
        var (mean, variance) = NormalizationReference.ChannelMoments(wide, outer, channels, inner);

        // E[x²] − E[x]² in float: the squares (~1e8) leave the unit-size variance below the rounding error.
        float naive = NaiveFloatVariance(x, channels, inner, channel: 0);
        Assert.True(Math.Abs(naive - variance[0]) > 0.5, $"the naive formula should fail here: {naive} vs {variance[0]}");

        foreach (var isa in ReductionTestData.Executable)
        {
            var (m, v) = NormalizationRunner<float>.Statistics(wide, outer, channels, inner, isa);
            for (int c = 0; c < channels; c++)
            {
                Near(mean[c], m[c], 1e-6 * mean[c], $"{isa} mean {c}");
                Near(variance[c], v[c], 1e-6 * variance[c], $"{isa} variance {c}");
            }
        }
    }

    private static double NormalSample(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static float NaiveFloatVariance(float[] x, int channels, int inner, int channel)
    {
        float sum = 0, squares = 0;
        int count = x.Length / channels;
        for (int k = 0; k < count; k++)
        {
            float v = x[NormalizationReference.ChannelIndex(k, channel, channels, inner)];
            sum += v;
            squares += v * v;
        }
        float mean = sum / count;
        return squares / count - mean * mean;
    }

    // ---- batch-norm forward and backward ----------------------------------------------------------

    private static void CheckBatchForward<T>(int a, int b, int c, int seed, bool affine) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, channels, inner) = ChannelShape(a, b, c);
        double[] x = NormalizationRunner<T>.Rounded(Values(outer * channels * inner, seed));
        double[] mean = NormalizationRunner<T>.Rounded(Values(channels, seed + 1, scale: 1));
        double[] variance = NormalizationRunner<T>.Rounded(Array.ConvertAll(Values(channels, seed + 2, scale: 1), v => v * v + 0.1));
        double[]? weight = affine ? NormalizationRunner<T>.Rounded(Values(channels, seed + 3, scale: 2)) : null;
        double[]? bias = affine ? NormalizationRunner<T>.Rounded(Values(channels, seed + 4, scale: 2)) : null;
        foreach (var isa in ReductionTestData.Executable)
        {
            double[] y = NormalizationRunner<T>.BatchForward(x, outer, channels, inner, mean, variance, weight, bias, Eps, isa);
            for (int k = 0; k < x.Length; k++)
            {
                int ch = k / inner % channels;
                double invStd = 1 / Math.Sqrt(variance[ch] + Eps), w = weight?[ch] ?? 1, bb = bias?[ch] ?? 0;
                double expected = (x[k] - mean[ch]) * invStd * w + bb;
                double scale = (Math.Abs(x[k]) + Math.Abs(mean[ch])) * invStd * Math.Abs(w) + Math.Abs(bb);
                Near(expected, y[k], Rtol<T>() * scale + 1e-300, $"{typeof(T).Name} {isa} [{outer},{channels},{inner}] y[{k}]");
            }
        }
    }

    [Property(MaxTest = 30)]
    public void Float_batch_forward_matches_reference(int a, int b, int c, int seed, bool affine) => CheckBatchForward<float>(a, b, c, seed, affine);

    [Property(MaxTest = 30)]
    public void Double_batch_forward_matches_reference(int a, int b, int c, int seed, bool affine) => CheckBatchForward<double>(a, b, c, seed, affine);

    private static void CheckBatchBackward<T>(int a, int b, int c, int seed, bool training) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, channels, inner) = ChannelShape(a, b, c);
        double[] x = NormalizationRunner<T>.Rounded(Values(outer * channels * inner, seed));
        double[] dy = NormalizationRunner<T>.Rounded(Values(x.Length, seed + 5, scale: 1));
        double[] weight = NormalizationRunner<T>.Rounded(Values(channels, seed + 3, scale: 2));
        var (mean, variance) = training
            ? NormalizationRunner<T>.Statistics(x, outer, channels, inner, CpuIsa.Scalar)
            : (NormalizationRunner<T>.Rounded(Values(channels, seed + 1, scale: 1)), NormalizationRunner<T>.Rounded(Array.ConvertAll(Values(channels, seed + 2, scale: 1), v => v * v + 0.1)));
        int count = outer * inner;
        foreach (var isa in ReductionTestData.Executable)
        {
            var (dx, dWeight, dBias) = NormalizationRunner<T>.BatchBackward(x, dy, outer, channels, inner, mean, variance, weight, Eps, training, isa);
            for (int ch = 0; ch < channels; ch++)
            {
                double invStd = 1 / Math.Sqrt(variance[ch] + Eps);
                int Index(int k) => NormalizationReference.ChannelIndex(k, ch, channels, inner);
                double sumDy = 0, sumDyNormalized = 0, absDy = 0, absDyNormalized = 0, absDyConditioned = 0;
                for (int k = 0; k < count; k++)
                {
                    double normalized = (x[Index(k)] - mean[ch]) * invStd;
                    sumDy += dy[Index(k)];
                    sumDyNormalized += dy[Index(k)] * normalized;
                    absDy += Math.Abs(dy[Index(k)]);
                    absDyNormalized += Math.Abs(dy[Index(k)] * normalized);
                    absDyConditioned += Math.Abs(dy[Index(k)]) * (1 + (Math.Abs(x[Index(k)]) + Math.Abs(mean[ch])) * invStd);
                }
                string at = $"{typeof(T).Name} {isa} training={training} [{outer},{channels},{inner}] channel {ch}";
                Near(sumDy, dBias[ch], Rtol<T>() * absDy + 1e-300, at + " dBias");
                Near(sumDyNormalized, dWeight[ch], Rtol<T>() * absDyConditioned + 1e-300, at + " dWeight");
                for (int k = 0; k < count; k++)
                {
                    double normalized = (x[Index(k)] - mean[ch]) * invStd, g = invStd * weight[ch];
                    double expected = training ? g * (dy[Index(k)] - sumDy / count - normalized * sumDyNormalized / count) : g * dy[Index(k)];
                    double conditioning = 1 + (Math.Abs(x[Index(k)]) + Math.Abs(mean[ch])) * invStd;
                    double scale = Math.Abs(g) * (Math.Abs(dy[Index(k)]) + absDy / count + conditioning * absDyConditioned / count);
                    Near(expected, dx[Index(k)], 4 * Rtol<T>() * scale + 1e-300, at + $" dx[{k}]");
                }
            }
        }
    }

    [Property(MaxTest = 30)]
    public void Float_batch_backward_matches_reference(int a, int b, int c, int seed, bool training) => CheckBatchBackward<float>(a, b, c, seed, training);

    [Property(MaxTest = 30)]
    public void Double_batch_backward_matches_reference(int a, int b, int c, int seed, bool training) => CheckBatchBackward<double>(a, b, c, seed, training);

    // ---- layer norm -----------------------------------------------------------------------------------

    private static (int Rows, int Length) RowShape(int a, int b)
    {
        var (rows, length, _) = ReductionTestData.Shape(a, b, 0);
        while ((long)rows * length > 8_000 && rows > 1) rows /= 2;
        return (rows, length);
    }

    private static void CheckLayerNorm<T>(int a, int b, int seed, bool affine) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, length) = RowShape(a, b);
        double[] x = NormalizationRunner<T>.Rounded(Values(rows * length, seed, offset: seed % 5 * 40.0));
        double[] dy = NormalizationRunner<T>.Rounded(Values(x.Length, seed + 5, scale: 1));
        double[]? weight = affine ? NormalizationRunner<T>.Rounded(Values(length, seed + 3, scale: 2)) : null;
        double[]? bias = affine ? NormalizationRunner<T>.Rounded(Values(length, seed + 4, scale: 2)) : null;
        foreach (var isa in ReductionTestData.Executable)
        {
            var (y, mean, invStd) = NormalizationRunner<T>.LayerForward(x, rows, length, weight, bias, Eps, isa);
            var (dx, dWeight, dBias) = NormalizationRunner<T>.LayerBackward(x, dy, rows, length, mean, invStd, weight, isa);
            var expectedDWeight = new double[length];
            var expectedDBias = new double[length];
            var absDWeight = new double[length];
            for (int r = 0; r < rows; r++)
            {
                string at = $"{typeof(T).Name} {isa} [{rows},{length}] row {r}";
                var (m, v) = NormalizationReference.Moments(length, j => x[r * length + j]);
                double s = 1 / Math.Sqrt(v + Eps);
                Near(m, mean[r], Rtol<T>() * (Math.Abs(m) + Math.Sqrt(v)) + 1e-300, at + " mean");
                Near(s, invStd[r], 4 * Rtol<T>() * s, at + " invStd");
                double sumG = 0, sumGNormalized = 0, absG = 0;
                for (int j = 0; j < length; j++)
                {
                    double normalized = (x[r * length + j] - m) * s, w = weight?[j] ?? 1, bb = bias?[j] ?? 0, d = dy[r * length + j];
                    // Rounding x − mean costs about ε·(|x| + |mean|), which the 1/σ scale then magnifies.
                    double conditioning = 1 + (Math.Abs(x[r * length + j]) + Math.Abs(m)) * s;
                    Near(normalized * w + bb, y[r * length + j], Rtol<T>() * (conditioning * Math.Abs(w) + Math.Abs(bb)) + 1e-300, at + $" y[{j}]");
                    sumG += d * w;
                    sumGNormalized += d * w * normalized;
                    absG += Math.Abs(d * w) * conditioning;
                    expectedDWeight[j] += d * normalized;
                    expectedDBias[j] += d;
                    absDWeight[j] += Math.Abs(d) * conditioning;
                }
                for (int j = 0; j < length; j++)
                {
                    double normalized = (x[r * length + j] - m) * s, g = dy[r * length + j] * (weight?[j] ?? 1);
                    double expected = s * (g - sumG / length - normalized * sumGNormalized / length);
                    double conditioning = 1 + (Math.Abs(x[r * length + j]) + Math.Abs(m)) * s;
                    double scale = s * (Math.Abs(g) + conditioning * absG / length);
                    Near(expected, dx[r * length + j], 4 * Rtol<T>() * scale + 1e-300, at + $" dx[{j}]");
                }
            }
            for (int j = 0; j < length; j++)
            {
                Near(expectedDWeight[j], dWeight[j], 4 * Rtol<T>() * absDWeight[j] + 1e-300, $"{typeof(T).Name} {isa} [{rows},{length}] dWeight[{j}]");
                Near(expectedDBias[j], dBias[j], 4 * Rtol<T>() * absDWeight[j] + 1e-300, $"{typeof(T).Name} {isa} [{rows},{length}] dBias[{j}]");
            }
        }
    }

    [Property(MaxTest = 30)]
    public void Float_layer_norm_matches_reference(int a, int b, int seed, bool affine) => CheckLayerNorm<float>(a, b, seed, affine);

    [Property(MaxTest = 30)]
    public void Double_layer_norm_matches_reference(int a, int b, int seed, bool affine) => CheckLayerNorm<double>(a, b, seed, affine);

    // ---- vector paths against the scalar twin --------------------------------------------------------

    [Property(MaxTest = 30)]
    public void Batch_norm_vector_paths_agree_with_the_scalar_twin(int a, int b, int c, int seed)
    {
        var (outer, channels, inner) = ChannelShape(a, b, c);
        double[] x = NormalizationRunner<float>.Rounded(Values(outer * channels * inner, seed, offset: 50));
        double[] dy = NormalizationRunner<float>.Rounded(Values(x.Length, seed + 1, scale: 1));
        var (mean, variance) = NormalizationRunner<float>.Statistics(x, outer, channels, inner, CpuIsa.Scalar);
        double[] y = NormalizationRunner<float>.BatchForward(x, outer, channels, inner, mean, variance, null, null, Eps, CpuIsa.Scalar);
        var grads = NormalizationRunner<float>.BatchBackward(x, dy, outer, channels, inner, mean, variance, null, Eps, true, CpuIsa.Scalar);
        foreach (var isa in ReductionTestData.Executable.Where(i => i != CpuIsa.Scalar))
        {
            var (m, v) = NormalizationRunner<float>.Statistics(x, outer, channels, inner, isa);
            for (int ch = 0; ch < channels; ch++)
            {
                Near(mean[ch], m[ch], 1e-6 * Math.Abs(mean[ch]) + 1e-6 * Math.Sqrt(variance[ch]), $"{isa} mean {ch}");
                Near(variance[ch], v[ch], 1e-4 * variance[ch] + 1e-30, $"{isa} variance {ch}");
            }
            // With the scalar statistics as input, the forward differs from the twin by rounding only.
            double[] vy = NormalizationRunner<float>.BatchForward(x, outer, channels, inner, mean, variance, null, null, Eps, isa);
            for (int k = 0; k < y.Length; k++) Near(y[k], vy[k], 1e-5 * (1 + Math.Abs(y[k])), $"{isa} y[{k}]");
            var vectorGrads = NormalizationRunner<float>.BatchBackward(x, dy, outer, channels, inner, mean, variance, null, Eps, true, isa);
            double bound = 1e-4 * (1 + grads.Dx.Max(Math.Abs));
            for (int k = 0; k < y.Length; k++) Near(grads.Dx[k], vectorGrads.Dx[k], bound, $"{isa} dx[{k}]");
        }
    }

    [Property(MaxTest = 30)]
    public void Layer_norm_vector_paths_agree_with_the_scalar_twin(int a, int b, int seed)
    {
        var (rows, length) = RowShape(a, b);
        double[] x = NormalizationRunner<float>.Rounded(Values(rows * length, seed, offset: 20));
        double[] dy = NormalizationRunner<float>.Rounded(Values(x.Length, seed + 1, scale: 1));
        double[] weight = NormalizationRunner<float>.Rounded(Values(length, seed + 2, scale: 2));
        var (y, mean, invStd) = NormalizationRunner<float>.LayerForward(x, rows, length, weight, weight, Eps, CpuIsa.Scalar);
        var grads = NormalizationRunner<float>.LayerBackward(x, dy, rows, length, mean, invStd, weight, CpuIsa.Scalar);
        foreach (var isa in ReductionTestData.Executable.Where(i => i != CpuIsa.Scalar))
        {
            var (vy, vMean, vInvStd) = NormalizationRunner<float>.LayerForward(x, rows, length, weight, weight, Eps, isa);
            for (int r = 0; r < rows; r++)
            {
                Near(mean[r], vMean[r], 1e-6 * (Math.Abs(mean[r]) + 1 / invStd[r]), $"{isa} [{rows},{length}] mean {r}");
                Near(invStd[r], vInvStd[r], 1e-4 * invStd[r], $"{isa} [{rows},{length}] invStd {r}");
            }
            double yBound = 1e-4 * (1 + y.Max(Math.Abs));
            for (int k = 0; k < y.Length; k++) Near(y[k], vy[k], yBound, $"{isa} [{rows},{length}] y[{k}]");
            // With the scalar statistics as input, the backward differs from the twin by rounding only.
            var vectorGrads = NormalizationRunner<float>.LayerBackward(x, dy, rows, length, mean, invStd, weight, isa);
            double dxBound = 1e-4 * (1 + grads.Dx.Max(Math.Abs)), dwBound = 1e-4 * (1 + grads.DWeight.Max(Math.Abs)), dbBound = 1e-4 * (1 + grads.DBias.Max(Math.Abs));
            for (int k = 0; k < x.Length; k++) Near(grads.Dx[k], vectorGrads.Dx[k], dxBound, $"{isa} [{rows},{length}] dx[{k}]");
            for (int j = 0; j < length; j++)
            {
                Near(grads.DWeight[j], vectorGrads.DWeight[j], dwBound, $"{isa} [{rows},{length}] dWeight[{j}]");
                Near(grads.DBias[j], vectorGrads.DBias[j], dbBound, $"{isa} [{rows},{length}] dBias[{j}]");
            }
        }
    }

    // ---- arguments -----------------------------------------------------------------------------------

    [Fact]
    public void Bad_arguments_throw_with_the_kernel_name()
    {
        var x = new float[8];
        var stats = new float[2];
        fixed (float* px = x, ps = stats)
        {
            var pxl = px; var psl = ps;
            var negative = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.Statistics(pxl, -1, 2, 4, psl, psl, CpuIsa.Scalar));
            Assert.Contains("BatchNorm.Statistics", negative.Message);
            var missing = Assert.Throws<ArgumentNullException>(() => BatchNorm.Forward(pxl, 1, 2, 4, psl, psl, null, null, Eps, (float*)null, CpuIsa.Scalar));
            Assert.Contains("BatchNorm.Forward", missing.Message);
            var eps = Assert.Throws<ArgumentOutOfRangeException>(() => LayerNorm.Forward(pxl, 2, 4, null, null, -1, pxl, psl, psl, CpuIsa.Scalar));
            Assert.Contains("LayerNorm.Forward", eps.Message);
        }
        var ints = new int[8];
        fixed (int* pi = ints)
        {
            var pil = pi;
            Assert.Throws<NotSupportedException>(() => LayerNorm.Forward(pil, 2, 4, null, null, Eps, pil, pil, pil, CpuIsa.Scalar));
        }
    }
}

/// <summary>Determinism across thread counts: changes <see cref="KernelThreads.Count"/>, so it runs alone.</summary>
[Collection(nameof(GlobalKernelSettings))]
public unsafe class NormalizationThreadingTests
{
    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        const int rows = 3000, length = 37, outer = 8, channels = 40, inner = 301;
        double[] x = ReductionTestData.RandomDoubles(rows * length, 1, 3);
        double[] dy = ReductionTestData.RandomDoubles(rows * length, 2, 1);
        double[] weight = ReductionTestData.RandomDoubles(length, 3, 2);
        double[] bx = ReductionTestData.RandomDoubles(outer * channels * inner, 4, 3);
        double[] columnWeight = ReductionTestData.RandomDoubles(320, 5, 2);
        int saved = KernelThreads.Count;
        try
        {
            var results = new List<(double[] Dx, double[] DWeight, double[] Mean, double[] Variance)>();
            foreach (int threads in new[] { 1, 2, 3 })
            {
                KernelThreads.Count = threads;
                var (_, mean, invStd) = NormalizationRunner<float>.LayerForward(x, rows, length, weight, null, 1e-5, IsaDispatch.Active);
                var (dx, dWeight, _) = NormalizationRunner<float>.LayerBackward(x, dy, rows, length, mean, invStd, weight, IsaDispatch.Active);
                var (bm, bv) = NormalizationRunner<float>.Statistics(bx, outer, channels, inner, IsaDispatch.Active);
                // bx as [301, 320] with inner 1: the column path, its channels split into tiles by thread count.
                var (cm, cv) = NormalizationRunner<float>.Statistics(bx, 301, 320, 1, IsaDispatch.Active);
                var (cdx, cdw, _) = NormalizationRunner<float>.BatchBackward(bx, bx, 301, 320, 1, cm, cv, columnWeight, 1e-5, true, IsaDispatch.Active);
                results.Add(([.. dx, .. cdx], [.. dWeight, .. cdw], [.. bm, .. cm], [.. bv, .. cv]));
            }
            foreach (var other in results.Skip(1))
            {
                Assert.Equal(results[0].Dx, other.Dx);
                Assert.Equal(results[0].DWeight, other.DWeight);
                Assert.Equal(results[0].Mean, other.Mean);
                Assert.Equal(results[0].Variance, other.Variance);
            }
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }
}
