using System.Diagnostics;
using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Examples;

/// <summary>
/// Digits read as sequences, the way courses introduce recurrent networks and attention: each bundled MNIST digit is
/// 28 time steps (its rows) of 28 features. An LSTM or GRU reads the rows in order and classifies from its last state;
/// the Transformer variant projects each row to 64 features, adds a learned vector per position, lets every row attend
/// to every other (4 heads, a residual and layer normalisation) and classifies from the flattened result.
/// </summary>
public static class MnistSequence
{
    /// <summary>Which sequence model to train.</summary>
    public enum Kind
    {
        /// <summary>An LSTM of 96 units.</summary>
        Lstm,
        /// <summary>A GRU of 96 units.</summary>
        Gru,
        /// <summary>One self-attention block over the 28 rows.</summary>
        Transformer,
    }

    /// <summary>How the example runs; the defaults are the full run.</summary>
    /// <param name="Model">The sequence model.</param>
    /// <param name="Epochs">Passes over the training digits.</param>
    /// <param name="TrainSamples">Training digits used (at most 8,000).</param>
    /// <param name="Verbose">0 silent, 1 live progress, 2 a line per epoch.</param>
    /// <param name="Seed">Seed of the weights and the shuffling.</param>
    public sealed record Options(Kind Model = Kind.Lstm, int Epochs = 8, int TrainSamples = 8000, int Verbose = 1, ulong Seed = 1);

    /// <summary>Trains, evaluates on the 2,000 test digits, prints the result and returns the test accuracy.</summary>
    /// <param name="options">Model, epochs, samples, verbosity, seed.</param>
    /// <param name="output">Where to print.</param>
    public static double Run(Options options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = Mnist.Load();
        int count = Math.Min(options.TrainSamples, train.Count);
        var rows = train.Images.Narrow(0, 0, count).Reshape(count, 28, 28);   // [digits, time = rows, features = pixels]
        var labels = train.Labels.Narrow(0, 0, count);

        var model = Build(options.Model, options.Seed);
        model.Compile(new Adam(learningRate: 2e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        if (options.Verbose > 0) model.Summary(output);
        model.Fit(rows, labels, epochs: options.Epochs, batchSize: 64, verbose: options.Verbose, seed: options.Seed);

        var scores = model.Evaluate(test.Images.Reshape(test.Count, 28, 28), test.Labels, batchSize: 500);
        output.WriteLine($"test loss: {scores["loss"]:F4} ({clock.Elapsed.TotalSeconds:F1} s in all)");
        output.WriteLine($"test accuracy: {scores["accuracy"]:F4}");
        return scores["accuracy"];
    }

    private static Model Build(Kind kind, ulong seed)
    {
        var digits = new Input([28, 28], "rows", seed: seed);
        SymbolicTensor features = kind switch
        {
            Kind.Lstm => new LSTM(96, name: "lstm").Call(digits),
            Kind.Gru => new GRU(96, name: "gru").Call(digits),
            _ => AttentionBlock(digits),
        };
        var output = new Dense(10, activation: Activation.Softmax, name: "digit").Call(features);
        return new Model(digits, output, $"mnist_{kind.ToString().ToLowerInvariant()}");
    }

    /// <summary>Rows projected to 64 features plus a learned position vector, one self-attention block, flattened.</summary>
    private static SymbolicTensor AttentionBlock(SymbolicTensor digits)
    {
        var embedded = new Dense(64, name: "row_projection").Call(digits);
        var positioned = new Add(name: "with_positions").Call(embedded, new PositionTable(28, 64, name: "positions").Call(digits));
        var attended = new MultiHeadAttention(numHeads: 4, keyDim: 16, name: "attention").Call(positioned);
        var block = new LayerNormalization(name: "norm").Call(new Add(name: "residual").Call(positioned, attended));
        var hidden = new Dense(64, activation: Activation.ReLU, name: "per_row").Call(block);
        return new Dense(64, activation: Activation.ReLU, name: "hidden").Call(new Flatten(name: "flatten").Call(hidden));
    }
}

/// <summary>A learned vector per position [length, features], the same for every sample: its input only sets the batch size.</summary>
/// <param name="length">Sequence length.</param>
/// <param name="features">Features per position.</param>
/// <param name="name">The layer name.</param>
public sealed class PositionTable(int length, int features, string? name = null) : Layer(name)
{
    /// <summary>Sequence length.</summary>
    public int Length { get; } = length;

    /// <summary>Features per position.</summary>
    public int Features { get; } = features;

    private Tensor? _table;

    /// <inheritdoc/>
    protected override void Build(int[] inputShape) =>
        _table = AddWeight("table", new Shape(Length, Features), Initializer.RandomUniform(), (Length, Features));

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => _table!.Unsqueeze(0).Expand(input.Shape[0], Length, Features);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => [Length, Features];
}
