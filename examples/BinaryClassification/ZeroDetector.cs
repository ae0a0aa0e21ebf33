using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// Binary classification on real data: "is this handwritten digit a 0?" on the bundled MNIST digits (about one
/// in ten is). A small network ends in one sigmoid unit and trains with binary cross-entropy; accuracy alone
/// flatters a one-in-ten task (always answering "no" scores 0.90), so precision, recall and ROC AUC are
/// reported too.
/// </summary>
public static class ZeroDetector
{
    /// <summary>How the example runs.</summary>
    /// <param name="Epochs">Passes over the training digits.</param>
    /// <param name="TrainSamples">Training digits used (at most 8,000).</param>
    /// <param name="Verbose">0 silent, 1 live progress, 2 a line per epoch.</param>
    /// <param name="Seed">Seed of the weights and the shuffling.</param>
    public sealed record Options(int Epochs = 8, int TrainSamples = 8000, int Verbose = 1, ulong Seed = 1);

    /// <summary>Trains, evaluates on the 2,000 test digits, prints every metric and returns the test accuracy.</summary>
    /// <param name="options">Epochs, samples, verbosity, seed.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var (train, test) = Mnist.Load();
        int count = Math.Min(options.TrainSamples, train.Count);
        var x = train.Images.Narrow(0, 0, count).Reshape(count, 784);
        var y = IsZero(train.Labels.Narrow(0, 0, count));
        var testX = test.Images.Reshape(test.Count, 784);
        var testY = IsZero(test.Labels);

        var model = new Sequential(seed: options.Seed)
            .Add(new Input(784))
            .Add(new Dense(32, activation: Activation.ReLU))
            .Add(new Dense(1, activation: Activation.Sigmoid));
        model.Compile(new Adam(learningRate: 1e-3), Loss.BinaryCrossentropy,
                      [Metric.BinaryAccuracy, Metric.Precision, Metric.Recall, Metric.AUC]);
        model.Fit(x, y, epochs: options.Epochs, batchSize: 64, validationSplit: 0.1, verbose: options.Verbose, seed: options.Seed);

        var scores = model.Evaluate(testX, testY, batchSize: 500);
        double zeros = testY.Sum().Item<float>() / test.Count;
        output.WriteLine($"share of zeros in the test digits: {zeros:F4} (the accuracy of always answering \"not a zero\": {1 - zeros:F4})");
        output.WriteLine($"test precision: {scores["precision"]:F4}, recall: {scores["recall"]:F4}, ROC AUC: {scores["auc"]:F4}");
        output.WriteLine($"test accuracy: {scores["binary_accuracy"]:F4}");
        return scores["binary_accuracy"];
    }

    /// <summary>1 where the label is 0, else 0, as [N, 1] floats (the sigmoid output's shape).</summary>
    private static Tensor IsZero(Tensor labels) => labels.Eq(0.0).To(DType.Float32).Reshape(labels.Shape[0], 1);
}
