using Engine.Kernels.Cpu;

namespace Engine.Tests.Kernels;

/// <summary>
/// Every optimizer-update and clipping kernel path (Avx2, Avx512) against the scalar twin, float and double, on
/// lengths that hit empty buffers, vector tails and the threaded split; and the scalar twin against the
/// formulas written out here in double.
/// </summary>
public unsafe class OptimizerKernelTests
{
    private static readonly int[] Lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 1023, 4099, 70_001];

    /// <summary>One update kernel run on (param, grad, stateA, stateB, stateC) in place.</summary>
    private delegate void Update<T>(T* p, T* g, T* a, T* b, T* c, long n, CpuIsa isa) where T : unmanaged;

    private static readonly SgdUpdate[] SgdCases =
    [
        new(0.1, 0, 0, 0, false, false),
        new(0.05, 0.9, 0.1, 0.01, false, false),
        new(0.05, 0.9, 0, 0.02, true, false),
        new(0.05, 0.8, 0, 0, false, true),
        new(0.05, 0.8, 0, 0.1, true, true),
    ];

    private static readonly AdamUpdate[] AdamCases =
    [
        new(1e-3, 0.9, 0.999, 1e-7, 0, false, 1),
        new(1e-2, 0.8, 0.99, 1e-8, 0.01, false, 7),
        new(1e-2, 0.9, 0.999, 1e-7, 0.05, true, 3),
    ];

    private static readonly RmsPropUpdate[] RmsPropCases =
    [
        new(1e-2, 0.9, 1e-7, 0, 0, false),
        new(1e-2, 0.95, 1e-8, 0.01, 0.9, false),
        new(1e-2, 0.9, 1e-7, 0, 0.5, true),
        new(1e-2, 0.8, 1e-7, 0.02, 0, true),
    ];

    private static readonly AdagradUpdate[] AdagradCases = [new(0.1, 1e-7, 0), new(0.05, 1e-10, 0.03)];

    // A list, not an iterator: iterators cannot hold the unsafe lambdas.
    private static List<Update<T>> Kernels<T>() where T : unmanaged
    {
        var kernels = new List<Update<T>>();
        foreach (var u in SgdCases)
            kernels.Add((p, g, a, b, c, n, isa) => OptimizerUpdate.Sgd(p, g, a, n, u, isa));
        foreach (var u in AdamCases)
        {
            kernels.Add((p, g, a, b, c, n, isa) => OptimizerUpdate.Adam(p, g, a, b, null, n, u, isa));
            kernels.Add((p, g, a, b, c, n, isa) => OptimizerUpdate.Adam(p, g, a, b, c, n, u, isa));
        }
        foreach (var u in RmsPropCases)
            kernels.Add((p, g, a, b, c, n, isa) => OptimizerUpdate.RmsProp(p, g, b, a, c, n, u, isa));
        foreach (var u in AdagradCases)
            kernels.Add((p, g, a, b, c, n, isa) => OptimizerUpdate.Adagrad(p, g, b, n, u, isa));
        return kernels;
    }

    /// <summary>param and grad in [−2, 2]; stateA in [−0.5, 0.5] (momenta, means); stateB and stateC in [1, 2] (squares).</summary>
    private static double[][] Buffers(int n, int seed)
    {
        var random = new Random(seed);
        double Next(double low, double high) => low + (high - low) * random.NextDouble();
        var buffers = new double[5][];
        for (int k = 0; k < 5; k++) buffers[k] = new double[n];
        for (int i = 0; i < n; i++)
        {
            buffers[0][i] = Next(-2, 2); buffers[1][i] = Next(-2, 2); buffers[2][i] = Next(-0.5, 0.5);
            buffers[3][i] = Next(1, 2); buffers[4][i] = Next(1, 2);
        }
        return buffers;
    }

    private static T[][] Run<T>(Update<T> kernel, double[][] initial, CpuIsa isa, Func<double, T> of) where T : unmanaged
    {
        var b = initial.Select(x => x.Select(of).ToArray()).ToArray();
        fixed (T* p = b[0], g = b[1], s1 = b[2], s2 = b[3], s3 = b[4])
            kernel(p, g, s1, s2, s3, b[0].Length, isa);
        return b;
    }

    private static void SameAsScalar<T>(Func<double, T> of) where T : unmanaged
    {
        int caseIndex = 0;
        foreach (var kernel in Kernels<T>())
        {
            foreach (int n in Lengths)
            {
                var initial = Buffers(n, seed: n * 31 + caseIndex);
                var expected = Run(kernel, initial, CpuIsa.Scalar, of);
                foreach (var isa in ReductionTestData.Executable.Where(i => i != CpuIsa.Scalar))
                {
                    IsaDispatch.ResetLastTaken();
                    var actual = Run(kernel, initial, isa, of);
                    Assert.Equal(isa, IsaDispatch.LastTaken);
                    for (int k = 0; k < 5; k++)
                        for (int i = 0; i < n; i++)
                            // Same operations in the same order, no FMA: the paths agree bit for bit.
                            Assert.True(expected[k][i].Equals(actual[k][i]),
                                $"case {caseIndex} {typeof(T).Name} {isa} n={n} buffer {k}[{i}]: {actual[k][i]} vs scalar {expected[k][i]}");
                }
            }
            caseIndex++;
        }
    }

    [Fact]
    public void Float_update_paths_match_the_scalar_twin() => SameAsScalar(v => (float)v);

    [Fact]
    public void Double_update_paths_match_the_scalar_twin() => SameAsScalar(v => v);

    [Fact]
    public void Scalar_sgd_follows_pytorch_formula()
    {
        var b = Buffers(37, 5);
        foreach (var u in SgdCases)
        {
            var actual = Run<double>((p, g, a, _, _, n, isa) => OptimizerUpdate.Sgd(p, g, a, n, u, isa), b, CpuIsa.Scalar, v => v);
            for (int i = 0; i < 37; i++)
            {
                double p = b[0][i], g = b[1][i] + u.WeightDecay * p, buffer = b[2][i];
                if (u.Momentum != 0)
                {
                    buffer = u.FirstStep ? g : u.Momentum * buffer + (1 - u.Dampening) * g;
                    g = u.Nesterov ? g + u.Momentum * buffer : buffer;
                    Assert.Equal(buffer, actual[2][i], 12);
                }
                Assert.Equal(p - u.LearningRate * g, actual[0][i], 12);
            }
        }
    }

    [Fact]
    public void Scalar_adam_follows_pytorch_formula()
    {
        var b = Buffers(29, 6);
        foreach (var u in AdamCases)
            foreach (bool amsgrad in new[] { false, true })
            {
                var actual = Run<double>((p, g, m, v, vMax, n, isa) => OptimizerUpdate.Adam(p, g, m, v, amsgrad ? vMax : null, n, u, isa), b, CpuIsa.Scalar, x => x);
                for (int i = 0; i < 29; i++)
                {
                    double p = b[0][i], g = b[1][i];
                    if (u.Decoupled) p *= 1 - u.LearningRate * u.WeightDecay;
                    else g += u.WeightDecay * p;
                    double m = u.Beta1 * b[2][i] + (1 - u.Beta1) * g;
                    double v = u.Beta2 * b[3][i] + (1 - u.Beta2) * g * g;
                    double vUsed = amsgrad ? Math.Max(b[4][i], v) : v;
                    double denom = Math.Sqrt(vUsed) / Math.Sqrt(1 - Math.Pow(u.Beta2, u.Step)) + u.Epsilon;
                    double expected = p - u.LearningRate / (1 - Math.Pow(u.Beta1, u.Step)) * m / denom;
                    Assert.Equal(m, actual[2][i], 12);
                    Assert.Equal(v, actual[3][i], 12);
                    Assert.Equal(expected, actual[0][i], 12);
                }
            }
    }

    [Fact]
    public void Scalar_rmsprop_and_adagrad_follow_pytorch_formulas()
    {
        var b = Buffers(23, 7);
        foreach (var u in RmsPropCases)
        {
            var actual = Run<double>((p, g, mean, square, buffer, n, isa) => OptimizerUpdate.RmsProp(p, g, square, mean, buffer, n, u, isa), b, CpuIsa.Scalar, x => x);
            for (int i = 0; i < 23; i++)
            {
                double p = b[0][i], g = b[1][i] + u.WeightDecay * p;
                double square = u.Alpha * b[3][i] + (1 - u.Alpha) * g * g;
                double mean = u.Alpha * b[2][i] + (1 - u.Alpha) * g;
                double denom = Math.Sqrt(u.Centered ? square - mean * mean : square) + u.Epsilon;
                double step = u.Momentum != 0 ? u.Momentum * b[4][i] + g / denom : g / denom;
                Assert.Equal(p - u.LearningRate * step, actual[0][i], 12);
            }
        }
        foreach (var u in AdagradCases)
        {
            var actual = Run<double>((p, g, _, sum, _, n, isa) => OptimizerUpdate.Adagrad(p, g, sum, n, u, isa), b, CpuIsa.Scalar, x => x);
            for (int i = 0; i < 23; i++)
            {
                double p = b[0][i], g = b[1][i] + u.WeightDecay * p, sum = b[3][i] + g * g;
                Assert.Equal(sum, actual[3][i], 12);
                Assert.Equal(p - u.LearningRate * g / (Math.Sqrt(sum) + u.Epsilon), actual[0][i], 12);
            }
        }
    }

    [Fact]
    public void Sum_of_squares_matches_a_double_sum_on_every_path()
    {
        foreach (int n in Lengths)
        {
            var x = Buffers(n, n)[0];
            var xf = x.Select(v => (float)v).ToArray();
            double exactDouble = x.Sum(v => v * v), exactFloat = xf.Sum(v => (double)v * v);
            foreach (var isa in ReductionTestData.Executable)
            {
                fixed (double* pd = x)
                    Assert.Equal(exactDouble, GradientClipping.SumOfSquares(pd, n, isa), 1e-12 * Math.Max(1, exactDouble));
                fixed (float* pf = xf)
                {
                    double sum = GradientClipping.SumOfSquares(pf, n, isa);
                    // Float blocks of 1024 squares, then double: relative error stays near float epsilon.
                    Assert.True(Math.Abs(sum - exactFloat) <= 1e-6 * Math.Max(1, exactFloat), $"{isa} n={n}: {sum} vs {exactFloat}");
                }
            }
        }
    }

    [Fact]
    public void Float_sum_of_squares_stays_accurate_over_millions_of_elements()
    {
        const int n = 4_000_000;
        var x = new float[n];
        Array.Fill(x, 0.1f);
        double exact = (double)0.1f * 0.1f * n;
        foreach (var isa in ReductionTestData.Executable)
            fixed (float* p = x)
            {
                double sum = GradientClipping.SumOfSquares(p, n, isa);
                Assert.True(Math.Abs(sum - exact) <= 1e-6 * exact, $"{isa}: {sum} vs {exact}");
            }
    }

    [Fact]
    public void Clamp_and_scale_match_the_scalar_twin_and_keep_nan()
    {
        foreach (int n in Lengths)
        {
            var x = Buffers(n, n + 1)[0];
            if (n > 2) x[n / 2] = double.NaN;
            foreach (var isa in ReductionTestData.Executable)
            {
                var clamped = (double[])x.Clone();
                var scaled = x.Select(v => (float)v).ToArray();
                fixed (double* p = clamped) GradientClipping.Clamp(p, n, -0.75, 0.5, isa);
                fixed (float* p = scaled) GradientClipping.Scale(p, n, 0.25, isa);
                for (int i = 0; i < n; i++)
                {
                    double expected = double.IsNaN(x[i]) ? double.NaN : Math.Clamp(x[i], -0.75, 0.5);
                    Assert.True(expected.Equals(clamped[i]), $"{isa} n={n} clamp[{i}]: {clamped[i]} vs {expected}");
                    Assert.True(((float)x[i] * 0.25f).Equals(scaled[i]), $"{isa} n={n} scale[{i}]: {scaled[i]}");
                }
            }
        }
    }

    [Fact]
    public void Bad_arguments_throw_naming_the_kernel()
    {
        var ex = Assert.Throws<ArgumentNullException>(() =>
            OptimizerUpdate.Adam<float>((float*)8, (float*)8, null, (float*)8, null, 4, new AdamUpdate(1e-3, 0.9, 0.999, 1e-7, 0, false, 1)));
        Assert.Contains("Adam", ex.Message);
        var step = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OptimizerUpdate.Adam<double>(null, null, null, null, null, 0, new AdamUpdate(1e-3, 0.9, 0.999, 1e-7, 0, false, 0)));
        Assert.Contains("step", step.Message);
        Assert.Throws<ArgumentNullException>(() => OptimizerUpdate.Sgd<float>((float*)8, (float*)8, null, 4, new SgdUpdate(0.1, 0.9, 0, 0, false, false)));
        Assert.Throws<NotSupportedException>(() => OptimizerUpdate.Adagrad<int>((int*)8, (int*)8, (int*)8, 1, new AdagradUpdate(0.1, 1e-7, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.Clamp<float>(null, 0, 1, -1));
    }
}

/// <summary>The threaded split changes nothing: every element is updated on its own.</summary>
[Collection(nameof(GlobalKernelSettings))]
public unsafe class OptimizerKernelThreadingTests
{
    [Fact]
    public void Updates_and_norms_do_not_depend_on_the_thread_count()
    {
        const int n = 300_001;
        var random = new Random(17);
        var initial = Enumerable.Range(0, 4).Select(k => Enumerable.Range(0, n).Select(_ => (float)(k == 3 ? 1 + random.NextDouble() : random.NextDouble() - 0.5)).ToArray()).ToArray();
        var update = new AdamUpdate(1e-3, 0.9, 0.999, 1e-7, 0.01, true, 5);
        (float[][] Buffers, double Norm) RunWith(int threads)
        {
            int saved = KernelThreads.Count;
            KernelThreads.Count = threads;
            try
            {
                var b = initial.Select(x => (float[])x.Clone()).ToArray();
                double norm;
                fixed (float* p = b[0], g = b[1], m = b[2], v = b[3])
                {
                    OptimizerUpdate.Adam(p, g, m, v, null, n, update);
                    norm = GradientClipping.SumOfSquares(p, n);
                }
                return (b, norm);
            }
            finally { KernelThreads.Count = saved; }
        }
        var (one, oneNorm) = RunWith(1);
        var (three, threeNorm) = RunWith(3);
        for (int k = 0; k < 4; k++) Assert.Equal(one[k], three[k]);
        // The norm splits into other float blocks, so it agrees to float accuracy, not bit for bit.
        Assert.Equal(oneNorm, threeNorm, 1e-6 * oneNorm);
    }
}
