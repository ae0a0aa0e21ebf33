using System.Diagnostics;
using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// The convolutional network of the model-API issue on the bundled MNIST digits (8,000 training, 2,000 test):
/// two 3×3 convolutions with max pooling, dropout and a softmax layer, trained with Adam on a cosine
/// learning-rate schedule and randomly shifted digits (±2 pixels), which small training sets need.
/// </summary>
public static class MnistCnn
{
    /// <summary>How the example runs; the defaults are the full run, the test suite uses a reduced one.</summary>
    /// <param name="Epochs">Passes over the training digits.</param>
    /// <param name="TrainSamples">Training digits used (at most 8,000).</param>
    /// <param name="Verbose">Keras-style progress: 0 silent, 1 live, 2 a line per epoch.</param>
    /// <param name="Seed">Seed of the weights, the shuffling and the shifts.</param>
    public sealed record Options(int Epochs = 12, int TrainSamples = 8000, int Verbose = 1, ulong Seed = 1);

    /// <summary>Trains, evaluates on the 2,000 test digits, prints the summary, progress and result, and returns the test accuracy.</summary>
    /// <param name="options">Epochs, samples, verbosity, seed.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = Mnist.Load();
        var images = train.Images.Narrow(0, 0, Math.Min(options.TrainSamples, train.Count));
        var labels = train.Labels.Narrow(0, 0, images.Shape[0]);

        var model = new Sequential(seed: options.Seed)
            .Add(new Input(1, 28, 28))
            .Add(new Conv2D(32, kernelSize: 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Conv2D(64, 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Flatten())
            .Add(new Dropout(0.5))
            .Add(new Dense(10, activation: Activation.Softmax));
        const int batchSize = 128;
        long steps = (long)options.Epochs * ((images.Shape[0] + batchSize - 1) / batchSize);
        model.Compile(optimizer: new Adam(learningRate: 2e-3, schedule: new CosineDecay(2e-3, Math.Max(1, steps), alpha: 0.02)),
                      loss: Loss.SparseCategoricalCrossentropy,
                      metrics: [Metric.Accuracy]);
        if (options.Verbose > 0) model.Summary(output);

        var shifts = new Generator(options.Seed + 1);
        var batches = new DataLoader(images, labels, batchSize, shuffle: true, generator: new Generator(options.Seed))
        {
            Augment = x => ImageAugmentation.RandomShift(x, maxShift: 2, shifts),
        };
        model.Fit(batches, epochs: options.Epochs, verbose: options.Verbose);

        var scores = model.Evaluate(test.Images, test.Labels, batchSize: 500);
        output.WriteLine($"test loss: {scores["loss"]:F4} ({clock.Elapsed.TotalSeconds:F1} s in all)");
        output.WriteLine($"test accuracy: {scores["accuracy"]:F4}");
        return scores["accuracy"];
    }
}
