using System.Diagnostics;
using Engine.Autodiff;
using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// A DCGAN on the bundled MNIST digits with a hand-written training loop, as in Keras' "DCGAN overriding
/// train_step" and PyTorch's DCGAN tutorial: a generator maps 64 normal noises to a 28×28 digit in [−1, 1]
/// through two strided transposed convolutions, a discriminator scores digits with two strided convolutions and
/// a logit. Each batch takes one discriminator step (real digits labelled 0.9, detached fakes 0) and one
/// generator step (fakes through the discriminator labelled 1), each model with its own Adam(2e-4, β1 0.5).
/// </summary>
/// <remarks>
/// Quality is judged by a small CNN classifier trained first on the real digits: on 1,000 generated digits it
/// gives the Inception-score-style exp(E[KL(p(y|x) ‖ p(y))]) — high when each digit is confidently one class and
/// all classes appear — together with the mean confidence and the spread of the predicted classes. Uniform noise
/// and the real test digits, scored the same way, bracket the number.
/// </remarks>
public static class MnistGan
{
    private const int NoiseSize = 64;
    private const int BatchSize = 32;
    private const int ScoredSamples = 1000;

    /// <summary>How the example runs; the defaults are the full run.</summary>
    /// <param name="Epochs">Passes of the GAN over the training digits (0 leaves the generator untrained).</param>
    /// <param name="TrainSamples">Training digits used, by the GAN and the judging classifier (at most 8,000).</param>
    /// <param name="Verbose">0 silent, 1 a line per epoch and the model summaries.</param>
    /// <param name="Seed">Seed of the weights, the shuffling and the noise.</param>
    /// <param name="SamplesPath">If set, a PGM file to which an 8×8 grid of generated digits is written.</param>
    public sealed record Options(int Epochs = 15, int TrainSamples = 8000, int Verbose = 1, ulong Seed = 1, string? SamplesPath = null);

    /// <summary>What the judging classifier says about a set of digits.</summary>
    /// <param name="InceptionScore">exp(E[KL(p(y|x) ‖ p(y))]): 1 for one class or no confident class, 10 at best.</param>
    /// <param name="Confidence">The mean of the classifier's largest probability.</param>
    /// <param name="Classes">How many classes are predicted at least once.</param>
    /// <param name="ClassEntropy">The entropy (nats) of the predicted-class histogram; ln 10 ≈ 2.30 when balanced.</param>
    public sealed record Score(double InceptionScore, double Confidence, int Classes, double ClassEntropy)
    {
        /// <summary>The score on one line.</summary>
        public override string ToString() =>
            $"inception score {InceptionScore:F2}, confidence {Confidence:F3}, {Classes} classes, class entropy {ClassEntropy:F2}";
    }

    /// <summary>Trains the classifier and the GAN, scores generated digits, prints the result and returns the inception score.</summary>
    /// <param name="options">Epochs, samples, verbosity, seed, sample grid path.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = Mnist.Load();
        var images = train.Images.Narrow(0, 0, Math.Min(options.TrainSamples, train.Count));
        var labels = train.Labels.Narrow(0, 0, images.Shape[0]);

        var judge = TrainClassifier(images, labels, test, options, output);
        output.WriteLine($"noise digits: {Judge(judge, Tensor.Rand(new Shape(ScoredSamples, 1, 28, 28), generator: new Generator(options.Seed + 7)))}");
        output.WriteLine($"real test digits: {Judge(judge, test.Images.Narrow(0, 0, ScoredSamples))}");

        var generator = BuildGenerator(options.Seed);
        var discriminator = BuildDiscriminator(options.Seed + 1);
        if (options.Verbose > 0) { generator.Summary(output); discriminator.Summary(output); }
        TrainGan(generator, discriminator, images, labels, options, output);

        var digits = Generate(generator, ScoredSamples, new Generator(options.Seed + 3));
        if (options.SamplesPath is { } path) WriteGrid(digits.Narrow(0, 0, 64), path);
        var score = Judge(judge, digits);
        output.WriteLine($"generated digits: {score} ({clock.Elapsed.TotalSeconds:F1} s in all)");
        output.WriteLine($"test inception score: {score.InceptionScore:F4}");
        return score.InceptionScore;
    }

    /// <summary>z [N, 64] → Dense 7·7·64 → 64×7×7 → 32×14×14 → 1×28×28 in [−1, 1] (tanh), batch norm before each LeakyReLU.</summary>
    private static Sequential BuildGenerator(ulong seed) => new Sequential("generator", seed)
        .Add(new Input(NoiseSize))
        .Add(new Dense(7 * 7 * 64, useBias: false))
        .Add(new BatchNormalization(momentum: 0.9))
        .Add(Activation.LeakyReLU(0.2))
        .Add(new Reshape(64, 7, 7))
        .Add(new Conv2DTranspose(32, 4, strides: 2, padding: ConvPadding.Explicit(1, 1, 1, 1), useBias: false))
        .Add(new BatchNormalization(momentum: 0.9))
        .Add(Activation.LeakyReLU(0.2))
        .Add(new Conv2DTranspose(1, 4, strides: 2, padding: ConvPadding.Explicit(1, 1, 1, 1), activation: Activation.Tanh));

    /// <summary>1×28×28 → 32×14×14 → 64×7×7 → one logit (real vs generated).</summary>
    private static Sequential BuildDiscriminator(ulong seed) => new Sequential("discriminator", seed)
        .Add(new Input(1, 28, 28))
        .Add(new Conv2D(32, 4, strides: 2, padding: ConvPadding.Explicit(1, 1, 1, 1), activation: Activation.LeakyReLU(0.2)))
        .Add(new Conv2D(64, 4, strides: 2, padding: ConvPadding.Explicit(1, 1, 1, 1), activation: Activation.LeakyReLU(0.2)))
        .Add(new Flatten())
        .Add(new Dropout(0.3))
        .Add(new Dense(1));

    private static void TrainGan(Sequential generator, Sequential discriminator, Tensor images, Tensor labels, Options options, TextWriter output)
    {
        var generatorOptimizer = new Adam(learningRate: 2e-4, beta1: 0.5, parameters: generator.TrainableWeights.Select(w => w.Value));
        var discriminatorOptimizer = new Adam(learningRate: 2e-4, beta1: 0.5, parameters: discriminator.TrainableWeights.Select(w => w.Value));
        var noise = new Generator(options.Seed + 2);
        // The data in [−1, 1] to match the generator's tanh; labels only feed the loader.
        var batches = new DataLoader(images * 2 - 1, labels, BatchSize, shuffle: true, generator: new Generator(options.Seed), dropLast: true);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double discriminatorLoss = 0, generatorLoss = 0;
            foreach (var (real, _) in batches)
            {
                var (d, g) = TrainStep(generator, discriminator, generatorOptimizer, discriminatorOptimizer, real, noise);
                discriminatorLoss += d;
                generatorLoss += g;
            }
            if (options.Verbose > 0)
                output.WriteLine($"epoch {epoch}/{options.Epochs}: D loss {discriminatorLoss / batches.BatchCount:F4}, G loss {generatorLoss / batches.BatchCount:F4} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>One discriminator step then one generator step on a batch of real digits; returns both losses.</summary>
    private static (double Discriminator, double Generator) TrainStep(Sequential generator, Sequential discriminator,
        Optimizer generatorOptimizer, Optimizer discriminatorOptimizer, Tensor real, Generator noise)
    {
        int n = real.Shape[0];
        var fake = generator.Call(Tensor.Randn(new Shape(n, NoiseSize), generator: noise), training: true);

        // Real digits labelled 0.9 (one-sided label smoothing); fakes detached so this step leaves the generator alone.
        discriminatorOptimizer.ZeroGrad();
        var discriminatorLoss = Losses.BinaryCrossEntropyWithLogits(discriminator.Call(real, training: true), Tensor.Full(new Shape(n, 1), 0.9))
            + Losses.BinaryCrossEntropyWithLogits(discriminator.Call(fake.Detach(), training: true), Tensor.Zeros(new Shape(n, 1)));
        discriminatorLoss.Backward();
        discriminatorOptimizer.Step();

        // The generator wants its fakes called real; the discriminator's gradients from this pass are cleared by its next ZeroGrad.
        generatorOptimizer.ZeroGrad();
        var generatorLoss = Losses.BinaryCrossEntropyWithLogits(discriminator.Call(fake, training: true), Tensor.Ones(new Shape(n, 1)));
        generatorLoss.Backward();
        generatorOptimizer.Step();
        return (discriminatorLoss.Item(), generatorLoss.Item());
    }

    /// <summary><paramref name="count"/> generated digits in [0, 1] (the classifier's range), batch norm on its running statistics.</summary>
    private static Tensor Generate(Sequential generator, int count, Generator noise) =>
        (generator.Predict(Tensor.Randn(new Shape(count, NoiseSize), generator: noise), batchSize: 250) + 1) * 0.5;

    /// <summary>A small CNN trained on the real digits, the judge of generated ones; prints its test accuracy.</summary>
    private static Sequential TrainClassifier(Tensor images, Tensor labels, MnistSplit test, Options options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var model = new Sequential("judge", options.Seed + 5)
            .Add(new Input(1, 28, 28))
            .Add(new Conv2D(16, 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Conv2D(32, 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Flatten())
            .Add(new Dense(64, activation: Activation.ReLU))
            .Add(new Dense(10, activation: Activation.Softmax));
        model.Compile(new Adam(learningRate: 2e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        model.Fit(new DataLoader(images, labels, 128, shuffle: true, generator: new Generator(options.Seed + 6)), epochs: 4, verbose: 0);
        var scores = model.Evaluate(test.Images, test.Labels, batchSize: 500);
        output.WriteLine($"judging classifier: test accuracy {scores["accuracy"]:F4} ({clock.Elapsed.TotalSeconds:F1} s)");
        return model;
    }

    /// <summary>The classifier's view of <paramref name="digits"/> [N, 1, 28, 28] in [0, 1].</summary>
    private static Score Judge(Sequential classifier, Tensor digits)
    {
        var probabilities = classifier.Predict(digits, batchSize: 250).ToArray<float>();
        int n = digits.Shape[0];
        var marginal = new double[10];
        var histogram = new int[10];
        double confidence = 0;
        for (int i = 0; i < n; i++)
        {
            var row = probabilities.AsSpan(i * 10, 10);
            int best = 0;
            for (int k = 0; k < 10; k++)
            {
                marginal[k] += row[k] / (double)n;
                if (row[k] > row[best]) best = k;
            }
            histogram[best]++;
            confidence += row[best] / (double)n;
        }
        double klSum = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 10; k++)
            {
                double p = probabilities[i * 10 + k];
                if (p > 0) klSum += p * (Math.Log(p) - Math.Log(marginal[k]));
            }
        double entropy = histogram.Where(c => c > 0).Sum(c => -(double)c / n * Math.Log((double)c / n));
        return new Score(Math.Exp(klSum / n), confidence, histogram.Count(c => c > 0), entropy);
    }

    /// <summary>Writes 64 digits [64, 1, 28, 28] in [0, 1] as an 8×8 grid to a binary PGM (P5) file.</summary>
    private static void WriteGrid(Tensor digits, string path)
    {
        const int side = 8 * 28;
        var pixels = digits.Contiguous().ToArray<float>();
        var bytes = new byte[side * side];
        for (int d = 0; d < 64; d++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                    bytes[(d / 8 * 28 + y) * side + d % 8 * 28 + x] = (byte)Math.Clamp(Math.Round(pixels[(d * 28 + y) * 28 + x] * 255), 0, 255);
        using var file = File.Create(path);
        var header = System.Text.Encoding.ASCII.GetBytes($"P5\n{side} {side}\n255\n");
        file.Write(header);
        file.Write(bytes);
    }
}
