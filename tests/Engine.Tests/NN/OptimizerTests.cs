using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>
/// Optimizers through the tensor API: several steps against plain references of PyTorch's formulas written
/// here, Adam's first step, convergence on a convex problem, skipping parameters without gradients, binding,
/// schedules driving the learning rate, and argument errors.
/// </summary>
public class OptimizerTests
{
    private static readonly Shape[] Shapes = [new(3, 5), new(7), new(2, 2, 3)];

    /// <summary>The reference update of one parameter: (p, g, state, t), p and state updated in place.</summary>
    private delegate void Reference(double[] p, double[] g, Dictionary<string, double[]> state, long t);

    /// <summary>Parameters with random values, as leaves that require grad.</summary>
    internal static Tensor[] Parameters(int seed, DType dtype = DType.Float64) =>
        Shapes.Select((s, i) =>
        {
            var t = Tensor.FromArray(Random(s.NumElements, seed + i, 1.0), s).To(dtype);
            t.RequiresGrad = true;
            return t;
        }).ToArray();

    internal static double[] Random(long count, int seed, double scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, (int)count).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    /// <summary>Sets p.Grad to exactly <paramref name="grad"/>: the gradient of Σ p·grad.</summary>
    internal static void SetGrad(Tensor p, double[] grad)
    {
        p.ZeroGrad();
        (p * Tensor.FromArray(grad, p.Shape).To(p.DType)).Sum().Backward();
    }

    internal static double[] Gradient(Tensor p, int step, int index) => Random(p.NumElements, 1000 * step + index, 2.0);

    private static void MatchesReference(Func<Tensor[], Optimizer> create, Reference reference, int steps = 5)
    {
        var parameters = Parameters(seed: 3);
        var optimizer = create(parameters);
        var expected = parameters.Select(p => p.ToDoubles()).ToArray();
        var states = parameters.Select(_ => new Dictionary<string, double[]>()).ToArray();
        for (int step = 1; step <= steps; step++)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                var grad = Gradient(parameters[i], step, i);
                SetGrad(parameters[i], grad);
                reference(expected[i], grad, states[i], step);
            }
            optimizer.Step();
            for (int i = 0; i < parameters.Length; i++)
            {
                var actual = parameters[i].ToDoubles();
                for (int k = 0; k < actual.Length; k++)
                    Assert.True(Math.Abs(actual[k] - expected[i][k]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i][k])),
                        $"{optimizer.Name} step {step} param {i}[{k}]: {actual[k]} vs reference {expected[i][k]}");
            }
        }
        Assert.Equal(steps, optimizer.Iterations);
    }

    private static double[] State(Dictionary<string, double[]> state, string name, int length, double initial = 0)
    {
        if (!state.TryGetValue(name, out var s)) state[name] = s = Enumerable.Repeat(initial, length).ToArray();
        return s;
    }

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 0.01)]
    [InlineData(0.9, 0.2, false, 0.0)]
    [InlineData(0.8, 0.0, true, 0.05)]
    public void Sgd_matches_the_pytorch_reference(double momentum, double dampening, bool nesterov, double weightDecay) =>
        MatchesReference(ps => new Sgd(0.05, momentum, nesterov, weightDecay, dampening, parameters: ps), (p, g, state, t) =>
        {
            var b = State(state, "b", p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + weightDecay * p[i];
                if (momentum != 0)
                {
                    b[i] = t == 1 ? d : momentum * b[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * b[i] : b[i];
                }
                p[i] -= 0.05 * d;
            }
        });

    private static Reference AdamReference(double lr, double b1, double b2, double eps, double wd, bool decoupled, bool amsgrad) =>
        (p, g, state, t) =>
        {
            double[] m = State(state, "m", p.Length), v = State(state, "v", p.Length), vMax = State(state, "vMax", p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i];
                if (decoupled) p[i] *= 1 - lr * wd;
                else d += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double denom = Math.Sqrt(amsgrad ? vMax[i] : v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr * mHat / denom;
            }
        };

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(false, 0.02)]
    public void Adam_matches_the_pytorch_reference(bool amsgrad, double weightDecay) =>
        MatchesReference(ps => new Adam(0.01, 0.8, 0.95, 1e-7, amsgrad, weightDecay, parameters: ps),
            AdamReference(0.01, 0.8, 0.95, 1e-7, weightDecay, decoupled: false, amsgrad));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamW_matches_the_pytorch_reference_with_decoupled_decay(bool amsgrad) =>
        MatchesReference(ps => new AdamW(0.01, weightDecay: 0.1, amsgrad: amsgrad, parameters: ps),
            AdamReference(0.01, 0.9, 0.999, 1e-7, 0.1, decoupled: true, amsgrad));

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.01)]
    [InlineData(0.0, true, 0.0)]
    [InlineData(0.5, true, 0.02)]
    public void RmsProp_matches_the_pytorch_reference(double momentum, bool centered, double weightDecay) =>
        MatchesReference(ps => new RmsProp(0.01, 0.9, momentum, 1e-7, centered, weightDecay, parameters: ps), (p, g, state, t) =>
        {
            double[] v = State(state, "v", p.Length), mean = State(state, "mean", p.Length), b = State(state, "b", p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + weightDecay * p[i];
                v[i] = 0.9 * v[i] + 0.1 * d * d;
                mean[i] = 0.9 * mean[i] + 0.1 * d;
                double denom = Math.Sqrt(centered ? v[i] - mean[i] * mean[i] : v[i]) + 1e-7;
                b[i] = momentum * b[i] + d / denom;
                p[i] -= 0.01 * (momentum != 0 ? b[i] : d / denom);
            }
        });

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.01)]
    public void Adagrad_matches_the_pytorch_reference(double learningRateDecay, double weightDecay) =>
        MatchesReference(ps => new Adagrad(0.05, 0.1, 1e-7, learningRateDecay, weightDecay, parameters: ps), (p, g, state, t) =>
        {
            var s = State(state, "s", p.Length, initial: 0.1);
            double rate = 0.05 / (1 + (t - 1) * learningRateDecay);
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + weightDecay * p[i];
                s[i] += d * d;
                p[i] -= rate * d / (Math.Sqrt(s[i]) + 1e-7);
            }
        });

    [Fact]
    public void Adam_first_step_moves_each_weight_by_the_learning_rate_against_its_gradient()
    {
        var p = Tensor.Zeros(new Shape(6), DType.Float64, requiresGrad: true);
        double[] g = [0.5, -2, 10, -0.1, 3e-3, -7];
        SetGrad(p, g);
        new Adam(learningRate: 0.01, parameters: [p]).Step();
        // Step 1: m̂ = g and v̂ = g², so Δp = −lr·g/(|g| + ε) = −lr·sign(g)·(1 − ε/|g| + …).
        var moved = p.ToDoubles();
        for (int i = 0; i < g.Length; i++)
            Assert.Equal(-0.01 * Math.Sign(g[i]), moved[i], 0.01 * 1e-7 / 3e-3 * 1.01);
    }

    /// <summary>Minimises ½Σ cᵢ(wᵢ − tᵢ)² with curvatures cᵢ in [0.5, 2] from random starting points.</summary>
    private static double QuadraticDistance(Optimizer optimizer, Tensor w, double[] target, int steps)
    {
        var c = Tensor.FromArray(Random(target.Length, 11, 0.75).Select(x => x + 1.25).ToArray());
        var t = Tensor.FromArray(target);
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            (((w - t).Square() * c).Sum() * 0.5).Backward();
            optimizer.Step();
        }
        return w.ToDoubles().Zip(target, (a, b) => Math.Abs(a - b)).Max();
    }

    [Fact]
    public void Sgd_and_adam_minimise_a_convex_quadratic()
    {
        var target = Random(20, 5, 3.0);
        var w1 = Tensor.FromArray(Random(20, 6, 3.0), requiresGrad: true);
        Assert.True(QuadraticDistance(new Sgd(0.3, momentum: 0.5, parameters: [w1]), w1, target, 200) < 1e-6);
        var w2 = Tensor.FromArray(Random(20, 7, 3.0), requiresGrad: true);
        Assert.True(QuadraticDistance(new Adam(0.05, parameters: [w2]), w2, target, 1500) < 1e-3);
        var w3 = Tensor.FromArray(Random(20, 8, 3.0), requiresGrad: true);
        Assert.True(QuadraticDistance(new RmsProp(0.01, centered: true, momentum: 0.5, parameters: [w3]), w3, target, 1500) < 1e-2);
        var w4 = Tensor.FromArray(Random(20, 9, 3.0), requiresGrad: true);
        Assert.True(QuadraticDistance(new Adagrad(1.0, parameters: [w4]), w4, target, 1500) < 1e-3);
    }

    [Fact]
    public void Sgd_trains_a_logistic_regression_to_low_loss()
    {
        // Two separable-ish blobs: label 1 where x·(1, −2) + 0.5 > 0.
        var x = Random(200, 21, 2.0);
        var labels = Enumerable.Range(0, 100).Select(i => x[2 * i] - 2 * x[2 * i + 1] + 0.5 > 0 ? 1.0 : 0.0).ToArray();
        var inputs = Tensor.FromArray(x, new Shape(100, 2));
        var y = Tensor.FromArray(labels, new Shape(100, 1));
        var w = Tensor.Zeros(new Shape(2, 1), DType.Float64, requiresGrad: true);
        var b = Tensor.Zeros(new Shape(1), DType.Float64, requiresGrad: true);
        var optimizer = new Sgd(1.0, momentum: 0.9, parameters: [w, b]);
        double loss = double.NaN;
        for (int i = 0; i < 300; i++)
        {
            optimizer.ZeroGrad();
            var l = Engine.Autodiff.Losses.BinaryCrossEntropyWithLogits(inputs.MatMul(w) + b, y);
            loss = l.Item();
            l.Backward();
            optimizer.Step();
        }
        Assert.True(loss < 0.1, $"loss {loss}");
        var direction = w.ToDoubles();
        Assert.True(direction[0] > 0 && direction[1] < 0 && Math.Abs(direction[1] / direction[0] + 2) < 0.3, $"w = ({direction[0]}, {direction[1]})");
    }

    [Fact]
    public void Step_skips_parameters_without_gradients_and_creates_no_state_for_them()
    {
        var parameters = Parameters(4);
        var untouched = parameters[1].ToDoubles();
        var optimizer = new Adam(parameters: parameters);
        SetGrad(parameters[0], Gradient(parameters[0], 1, 0));
        SetGrad(parameters[2], Gradient(parameters[2], 1, 2));
        optimizer.Step();
        Assert.Equal(untouched, parameters[1].ToDoubles());
        var keys = optimizer.GetState().Keys.ToHashSet();
        Assert.Contains("param.0.exp_avg", keys);
        Assert.Contains("param.2.exp_avg_sq", keys);
        Assert.DoesNotContain("param.1.exp_avg", keys);
    }

    [Fact]
    public void Parameters_can_be_bound_after_construction_and_gradients_cleared()
    {
        var optimizer = new Sgd(learningRate: 0.5);
        var p = Tensor.FromArray(new[] { 1.0, 2.0 }, requiresGrad: true);
        optimizer.Bind([p]);
        SetGrad(p, [1, -1]);
        optimizer.Step();
        Assert.Equal([0.5, 2.5], p.ToDoubles());
        optimizer.ZeroGrad();
        Assert.Null(p.Grad);
    }

    [Fact]
    public void Float32_parameters_get_float32_state_on_their_device()
    {
        var parameters = Parameters(5, DType.Float32);
        var optimizer = new RmsProp(0.01, momentum: 0.9, centered: true, parameters: parameters);
        for (int i = 0; i < parameters.Length; i++) SetGrad(parameters[i], Gradient(parameters[i], 1, i));
        optimizer.Step();
        foreach (var (key, tensor) in optimizer.GetState())
            if (key.StartsWith("param.", StringComparison.Ordinal))
            {
                Assert.Equal(DType.Float32, tensor.DType);
                Assert.Equal(Device.Cpu, tensor.Device);
            }
        Assert.All(parameters, p => Assert.All(p.ToDoubles(), v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void A_schedule_sets_the_learning_rate_before_each_step()
    {
        var p = Tensor.Zeros(new Shape(1), DType.Float64, requiresGrad: true);
        var optimizer = new Sgd(schedule: new ExponentialDecay(0.1, 1, 0.5), parameters: [p]);
        Assert.Equal(0.1, optimizer.LearningRate);
        double expected = 0;
        for (int step = 0; step < 4; step++)
        {
            SetGrad(p, [1]);
            optimizer.Step();
            Assert.Equal(0.1 * Math.Pow(0.5, step), optimizer.LearningRate, 15);
            expected -= 0.1 * Math.Pow(0.5, step);
        }
        Assert.Equal(expected, p.ToDoubles()[0], 15);
    }

    public static TheoryData<Func<Optimizer>, string, string> BadArguments => new()
    {
        { () => new Sgd(learningRate: -0.1), "Sgd", "learningRate" },
        { () => new Sgd(momentum: -1), "Sgd", "momentum" },
        { () => new Sgd(dampening: 1), "Sgd", "dampening" },
        { () => new Sgd(nesterov: true), "Sgd", "nesterov" },
        { () => new Sgd(weightDecay: double.NaN), "Sgd", "weightDecay" },
        { () => new Adam(beta1: 1), "Adam", "beta1" },
        { () => new Adam(beta2: -0.1), "Adam", "beta2" },
        { () => new Adam(epsilon: 0), "Adam", "epsilon" },
        { () => new AdamW(weightDecay: -0.01), "AdamW", "weightDecay" },
        { () => new AdamW(learningRate: double.PositiveInfinity), "AdamW", "learningRate" },
        { () => new RmsProp(rho: 1.5), "RmsProp", "rho" },
        { () => new RmsProp(momentum: -0.5), "RmsProp", "momentum" },
        { () => new Adagrad(initialAccumulator: -1), "Adagrad", "initialAccumulator" },
        { () => new Adagrad(learningRateDecay: -1), "Adagrad", "learningRateDecay" },
        { () => new Adam { ClipNorm = 0 }, "Adam", "ClipNorm" },
        { () => new Sgd { GlobalClipNorm = -1 }, "Sgd", "GlobalClipNorm" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_hyperparameters_throw_naming_the_optimizer_and_the_parameter(Func<Optimizer> create, string optimizer, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.Equal(parameter, ex.ParamName);
        Assert.StartsWith(optimizer + ":", ex.Message);
    }

    [Fact]
    public void A_negative_assigned_learning_rate_is_rejected()
    {
        var optimizer = new Adam();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = -1);
        Assert.Contains("Adam", ex.Message);
    }

    [Fact]
    public void Bind_rejects_integer_strided_and_repeated_parameters()
    {
        var optimizer = new Sgd();
        Assert.Throws<ArgumentException>(() => optimizer.Bind([Tensor.Zeros(new Shape(3), DType.Int32)]));
        var matrix = Tensor.Zeros(new Shape(3, 4), DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => optimizer.Bind([matrix.Transpose(0, 1)]));
        Assert.Contains("Sgd", ex.Message);
        var p = Tensor.Zeros(new Shape(2), DType.Float64);
        Assert.Throws<ArgumentException>(() => optimizer.Bind([p, p]));
    }

    [Fact]
    public void Only_one_clipping_option_may_be_set()
    {
        var optimizer = new Adam { ClipNorm = 1 };
        Assert.Throws<InvalidOperationException>(() => optimizer.ClipValue = 0.5);
        optimizer.ClipNorm = null;
        optimizer.GlobalClipNorm = 2;
        Assert.Equal(2, optimizer.GlobalClipNorm);
    }
}
