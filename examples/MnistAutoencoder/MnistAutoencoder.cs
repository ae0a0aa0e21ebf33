using System.Diagnostics;
using Engine.Autodiff;
using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// A denoising convolutional autoencoder on the bundled MNIST digits: strided convolutions encode a noisy digit into
/// a 32-number code, transposed convolutions decode it, and the network learns to return the clean digit (the input
/// with Gaussian noise added afresh to every batch, the target the digit itself). Its test error is set against two
/// baselines that need no learning: the noisy input itself and the mean training digit.
/// </summary>
public static class MnistAutoencoder
{
    /// <summary>Size of the code between encoder and decoder.</summary>
    public const int CodeSize = 32;

    /// <summary>Standard deviation of the noise added to the inputs (pixels are in [0, 1]; the sum is clamped back).</summary>
    public const double NoiseStd = 0.4;

    /// <summary>How the example runs; the defaults are the full run, the test suite uses a reduced one.</summary>
    /// <param name="Epochs">Passes over the training digits.</param>
    /// <param name="TrainSamples">Training digits used (at most 8,000).</param>
    /// <param name="Verbose">Keras-style progress: 0 silent, 1 live, 2 a line per epoch.</param>
    /// <param name="Seed">Seed of the weights, the shuffling and the noise.</param>
    public sealed record Options(int Epochs = 15, int TrainSamples = 8000, int Verbose = 1, ulong Seed = 1);

    /// <summary>
    /// Trains, then prints the per-pixel root-mean-square error against the clean test digits of the noisy inputs, of
    /// the mean training digit and of the reconstructions; returns the last.
    /// </summary>
    /// <param name="options">Epochs, samples, verbosity, seed.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = Mnist.Load();
        var images = train.Images.Narrow(0, 0, Math.Min(options.TrainSamples, train.Count));

        var model = Build(options.Seed);
        const int batchSize = 64;
        long steps = (long)options.Epochs * ((images.Shape[0] + batchSize - 1) / batchSize);
        // Per-pixel binary cross-entropy on sigmoid outputs (the usual loss for [0, 1] images), computed from the logits.
        model.Compile(new Adam(learningRate: 4e-3, schedule: new CosineDecay(4e-3, Math.Max(1, steps), alpha: 0.05)),
                      Loss.BinaryCrossentropy, [Metric.MeanSquaredError]);
        if (options.Verbose > 0) model.Summary(output);

        var noise = new Generator(options.Seed + 1);
        var batches = new DataLoader(images, images, batchSize, shuffle: true, generator: new Generator(options.Seed))
        {
            Augment = x => Noisy(x, noise),
        };
        model.Fit(batches, epochs: options.Epochs, verbose: options.Verbose);

        var clean = test.Images;
        var noisy = Noisy(clean, new Generator(options.Seed + 2));
        var meanDigit = images.Mean([0], keepDims: true);
        double noisyError = Rmse(noisy, clean), meanError = Rmse(meanDigit, clean);
        double error = Rmse(model.Predict(noisy, batchSize: 500), clean);
        output.WriteLine($"per-pixel RMSE against the clean test digits: noisy input {noisyError:F4}, mean training digit {meanError:F4}");
        output.WriteLine($"reconstructions from the noisy digits, {CodeSize} numbers each ({clock.Elapsed.TotalSeconds:F1} s in all):");
        output.WriteLine($"test rmse: {error:F4}");
        return error;
    }

    /// <summary>Encoder 28×28 → 14×14×16 → 7×7×32 → 32 numbers; decoder back through 7×7×32 and 14×14×16 to a 28×28 sigmoid image.</summary>
    /// <param name="seed">Seed of the weights.</param>
    public static Sequential Build(ulong seed) => new Sequential(seed: seed)
        .Add(new Input(1, 28, 28))
        .Add(new Conv2D(16, 3, strides: 2, padding: ConvPadding.Same, activation: Activation.ReLU))
        .Add(new Conv2D(32, 3, strides: 2, padding: ConvPadding.Same, activation: Activation.ReLU))
        .Add(new Flatten())
        .Add(new Dense(CodeSize))                                   // the code
        .Add(new Dense(32 * 7 * 7, activation: Activation.ReLU))
        .Add(new Reshape(32, 7, 7))
        .Add(new Conv2DTranspose(16, 3, strides: 2, padding: ConvPadding.Same, activation: Activation.ReLU))
        .Add(new Conv2DTranspose(1, 3, strides: 2, padding: ConvPadding.Same, activation: Activation.Sigmoid));

    /// <summary>The digits with Gaussian noise of <see cref="NoiseStd"/> added, clamped to [0, 1].</summary>
    private static Tensor Noisy(Tensor images, Generator generator) =>
        (images + Tensor.Normal(images.Shape, 0, NoiseStd, images.DType, generator, images.Device)).Clamp(0, 1);

    /// <summary>Root-mean-square of the difference, broadcasting <paramref name="images"/> against <paramref name="clean"/>.</summary>
    private static double Rmse(Tensor images, Tensor clean)
    {
        using (Autograd.NoGrad())
            return Math.Sqrt(((images - clean) * (images - clean)).Mean().To(DType.Float64).Item<double>());
    }
}
