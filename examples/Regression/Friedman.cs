using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// Regression on Friedman's first benchmark function (J. H. Friedman, "Multivariate adaptive regression splines",
/// Annals of Statistics 19(1), 1991), a standard synthetic test: ten inputs uniform in [0, 1], of which only the
/// first five matter, y = 10·sin(π·x₁·x₂) + 20·(x₃ − 0.5)² + 10·x₄ + 5·x₅ + ε with ε ~ N(0, 1). A network with a
/// linear output and mean squared error is compared, by test RMSE, with predicting the training mean and with
/// the best linear fit; the noise alone gives an RMSE of 1.
/// </summary>
public static class Friedman
{
    /// <summary>How the example runs.</summary>
    /// <param name="Epochs">Passes over the training samples.</param>
    /// <param name="TrainSamples">Training samples drawn.</param>
    /// <param name="Verbose">0 silent, 1 live progress, 2 a line per epoch.</param>
    /// <param name="Seed">Seed of the data, the weights and the shuffling.</param>
    public sealed record Options(int Epochs = 60, int TrainSamples = 4000, int Verbose = 1, ulong Seed = 1);

    /// <summary>Trains, prints the RMSE of the network and of both baselines on 2,000 fresh samples, returns the network's.</summary>
    /// <param name="options">Epochs, samples, verbosity, seed.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var data = new Generator(options.Seed);
        var (x, y) = Sample(options.TrainSamples, data);
        var (testX, testY) = Sample(2000, data);

        var model = new Sequential(seed: options.Seed)
            .Add(new Input(10))
            .Add(new Dense(64, activation: Activation.ReLU))
            .Add(new Dense(64, activation: Activation.ReLU))
            .Add(new Dense(1));
        long steps = (long)options.Epochs * ((options.TrainSamples + 63) / 64);
        model.Compile(new Adam(learningRate: 3e-3, schedule: new CosineDecay(3e-3, Math.Max(1, steps), alpha: 0.01)),
                      Loss.MeanSquaredError, [Metric.MeanAbsoluteError]);
        model.Fit(x, y, epochs: options.Epochs, batchSize: 64, validationSplit: 0.1, verbose: options.Verbose, seed: options.Seed);

        double rmse = Math.Sqrt(model.Evaluate(testX, testY, batchSize: 500)["loss"]);
        double mean = y.Mean().Item<float>();
        double baseline = Math.Sqrt((testY - mean).Square().Mean().Item<float>());
        double linear = LinearFitRmse(x, y, testX, testY);
        output.WriteLine($"test RMSE of predicting the training mean: {baseline:F4}; of the best linear fit: {linear:F4}; noise floor: 1.0");
        output.WriteLine($"test rmse: {rmse:F4}");
        return rmse;
    }

    private static (Tensor X, Tensor Y) Sample(int count, Generator g)
    {
        var x = new float[count * 10];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 10; j++) x[i * 10 + j] = (float)g.NextDouble();
            double x1 = x[i * 10], x2 = x[i * 10 + 1], x3 = x[i * 10 + 2], x4 = x[i * 10 + 3], x5 = x[i * 10 + 4];
            y[i] = (float)(10 * Math.Sin(Math.PI * x1 * x2) + 20 * (x3 - 0.5) * (x3 - 0.5) + 10 * x4 + 5 * x5 + g.NextNormal());
        }
        return (Tensor.FromArray(x, new Shape(count, 10)), Tensor.FromArray(y, new Shape(count, 1)));
    }

    /// <summary>Least squares on [x, 1] via the normal equations (11×11, solved in double).</summary>
    private static double LinearFitRmse(Tensor x, Tensor y, Tensor testX, Tensor testY)
    {
        Tensor WithOnes(Tensor t) => Tensor.Concat([t.To(DType.Float64), Tensor.Ones(new Shape(t.Shape[0], 1), DType.Float64)], 1);
        var a = WithOnes(x);
        var normal = a.T.MatMul(a).ToArray<double>();
        var rhs = a.T.MatMul(y.To(DType.Float64)).ToArray<double>();
        var w = Solve(normal, rhs, 11);
        var prediction = WithOnes(testX).MatMul(Tensor.FromArray(w, new Shape(11, 1)));
        return Math.Sqrt((prediction - testY.To(DType.Float64)).Square().Mean().Item<double>());
    }

    private static double[] Solve(double[] m, double[] b, int n)
    {
        // Gaussian elimination with partial pivoting.
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(m[r * n + c]));
            for (int k = 0; k < n; k++) (m[c * n + k], m[pivot * n + k]) = (m[pivot * n + k], m[c * n + k]);
            (b[c], b[pivot]) = (b[pivot], b[c]);
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r * n + c] / m[c * n + c];
                for (int k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
                b[r] -= f * b[c];
            }
        }
        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
            x[r] = s / m[r * n + r];
        }
        return x;
    }
}
