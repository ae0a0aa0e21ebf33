using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>LSTM and GRU: outputs against their step equations in double, shapes, training and save/load.</summary>
public class RecurrentLayerTests
{
    private static Tensor Sequences(int batch, int steps, int features, int seed) =>
        Tensor.Uniform(new Shape(batch, steps, features), -1, 1, generator: new Generator((ulong)seed));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Row-major [rows, columns] values of a weight as double.</summary>
    private static double[] Values(Tensor? t) => t!.To(DType.Float64).ToArray<double>();

    /// <summary>z[j] = bias[j] + Σ_f x[f]·W[f, j] + Σ_u h[u]·U[u, j].</summary>
    private static double[] Affine(double[] x, double[] w, double[] h, double[] u, double[] bias, int width)
    {
        var z = (double[])bias.Clone();
        for (int f = 0; f < x.Length; f++) for (int j = 0; j < width; j++) z[j] += x[f] * w[f * width + j];
        for (int k = 0; k < h.Length; k++) for (int j = 0; j < width; j++) z[j] += h[k] * u[k * width + j];
        return z;
    }

    private static double[][] StepInputs(Tensor x, int b)
    {
        int steps = x.Shape[1], features = x.Shape[2];
        var all = x.To(DType.Float64).ToArray<double>();
        return Enumerable.Range(0, steps).Select(t => all.AsSpan((b * steps + t) * features, features).ToArray()).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LstmFollowsItsStepEquations(bool returnSequences)
    {
        const int batch = 3, steps = 5, features = 4, units = 6;
        var layer = new LSTM(units, returnSequences);
        var x = Sequences(batch, steps, features, 1);
        var actual = layer.Call(x).To(DType.Float64).ToArray<double>();
        Assert.Equal(returnSequences ? [batch, steps, units] : new[] { batch, units }, layer.Call(x).Shape.ToArray());
        double[] w = Values(layer.Kernel), u = Values(layer.RecurrentKernel), bias = Values(layer.Bias);
        Assert.Equal(Enumerable.Repeat(1.0, units), bias.Skip(units).Take(units)); // the forget gate starts open
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units];
            var c = new double[units];
            var inputs = StepInputs(x, b);
            for (int t = 0; t < steps; t++)
            {
                var z = Affine(inputs[t], w, h, u, bias, 4 * units);
                for (int j = 0; j < units; j++)
                {
                    c[j] = Sigmoid(z[units + j]) * c[j] + Sigmoid(z[j]) * Math.Tanh(z[2 * units + j]);
                    h[j] = Sigmoid(z[3 * units + j]) * Math.Tanh(c[j]);
                }
                if (returnSequences || t == steps - 1)
                {
                    int at = returnSequences ? (b * steps + t) * units : b * units;
                    for (int j = 0; j < units; j++) Assert.Equal(h[j], actual[at + j], 1e-5); // float32 against double: a tolerance, not rounding to places
                }
            }
        }
        Assert.Equal(4 * units * (features + units + 1), layer.ParameterCount);
    }

    [Fact]
    public void GruFollowsItsStepEquations()
    {
        const int batch = 2, steps = 6, features = 3, units = 5;
        var layer = new GRU(units, returnSequences: true);
        var x = Sequences(batch, steps, features, 2);
        layer.Call(x);
        // Non-zero biases so the two bias terms are both exercised.
        using (Engine.Autodiff.Autograd.NoGrad())
        {
            layer.Bias!.Assign(Tensor.Uniform(new Shape(3 * units), -1, 1, generator: new Generator(7)));
            layer.RecurrentBias!.Assign(Tensor.Uniform(new Shape(3 * units), -1, 1, generator: new Generator(8)));
        }
        var actual = layer.Call(x).To(DType.Float64).ToArray<double>();
        double[] w = Values(layer.Kernel), u = Values(layer.RecurrentKernel);
        double[] bias = Values(layer.Bias), recurrentBias = Values(layer.RecurrentBias);
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units];
            var inputs = StepInputs(x, b);
            for (int t = 0; t < steps; t++)
            {
                var xz = Affine(inputs[t], w, [], [], bias, 3 * units);
                var hz = Affine([], w, h, u, recurrentBias, 3 * units);
                var next = new double[units];
                for (int j = 0; j < units; j++)
                {
                    double update = Sigmoid(xz[j] + hz[j]), reset = Sigmoid(xz[units + j] + hz[units + j]);
                    double candidate = Math.Tanh(xz[2 * units + j] + reset * hz[2 * units + j]);
                    next[j] = update * h[j] + (1 - update) * candidate;
                }
                h = next;
                for (int j = 0; j < units; j++) Assert.Equal(h[j], actual[(b * steps + t) * units + j], 1e-5);
            }
        }
        Assert.Equal(3 * units * (features + units + 2), layer.ParameterCount);
    }

    [Fact]
    public void NonSequenceInputsThrowNamingTheLayer()
    {
        var layer = new LSTM(4, name: "memory");
        var e = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(new Shape(2, 5))));
        Assert.Contains("memory (LSTM)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(0));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void ARecurrentClassifierLearnsOrderAndRoundTripsThroughSaveAndLoad(string kind)
    {
        // Class 1 when the sequence's first half sums higher than its second half: needs the order of the steps.
        var g = new Generator(4);
        var x = Tensor.Uniform(new Shape(512, 8, 1), -1, 1, generator: g);
        var y = (x[.., ..4, ..].Sum([1, 2]) - x[.., 4.., ..].Sum([1, 2])).Gt(0).To(DType.Int32);
        var input = new Input([8, 1], "sequence", seed: 6);
        var hidden = kind == "lstm" ? new LSTM(12, name: "recurrent").Call(input) : new GRU(12, name: "recurrent").Call(input);
        var model = new Model(input, new Dense(2, activation: Activation.Softmax, name: "classes").Call(hidden), kind);
        model.Compile(new Adam(learningRate: 1e-2), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var history = model.Fit(x, y, epochs: 30, batchSize: 32, verbose: 0, seed: 2);
        Assert.True(history["accuracy"][^1] > 0.9, $"{kind} accuracy {history["accuracy"][^1]}");

        string path = Path.Combine(Path.GetTempPath(), $"engine-{kind}-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            var probe = Tensor.Uniform(new Shape(8, 8, 1), -1, 1, generator: new Generator(5));
            Assert.Equal(model.Predict(probe).ToArray<float>(), loaded.Predict(probe).ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
