using Engine.Autodiff;
using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>Fit, Evaluate and Predict on real digits and small problems: behaviour, not speed.</summary>
[Collection(nameof(GlobalKernelSettings))]
public class ModelTrainingTests
{
    private static readonly Lazy<MnistDataset> Digits = new(() => Mnist.Load());

    private static (Tensor X, Tensor Y) Flat(MnistSplit split, int count) =>
        (split.Images.Narrow(0, 0, count).Reshape(count, 784), split.Labels.Narrow(0, 0, count));

    private static Sequential Mlp(ulong seed = 7) => new Sequential(seed: seed)
        .Add(new Input(784))
        .Add(new Dense(64, activation: Activation.ReLU))
        .Add(new Dense(10, activation: Activation.Softmax));

    [Fact]
    public void AnMlpLearnsDigits()
    {
        var (x, y) = Flat(Digits.Value.Train, 3000);
        var (testX, testY) = Flat(Digits.Value.Test, 1000);
        var model = Mlp();
        model.Compile(new Adam(learningRate: 2e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var history = model.Fit(x, y, epochs: 4, batchSize: 64, validationSplit: 0.1, verbose: 0);
        Assert.Equal(4, history.Epochs);
        Assert.True(history["loss"][3] < history["loss"][0] * 0.6, $"loss {string.Join(", ", history["loss"])}");
        Assert.Contains("val_accuracy", history.Values.Keys);
        var scores = model.Evaluate(testX, testY);
        Assert.True(scores["accuracy"] > 0.85, $"test accuracy {scores["accuracy"]}");
        var probabilities = model.Predict(testX, batchSize: 100);
        Assert.Equal(new Shape(1000, 10), probabilities.Shape);
        var rowSums = probabilities.Sum(-1).ToArray<float>();
        Assert.All(rowSums, s => Assert.Equal(1.0, s, 4));
        // Predict agrees with Evaluate's accuracy.
        double agree = probabilities.ArgMax(-1).Eq(testY).To(DType.Int32).Sum().Item<int>() / 1000.0;
        Assert.Equal(scores["accuracy"], agree, 6);
    }

    [Fact]
    public void ASeededRunIsReproducibleBitForBit()
    {
        var (x, y) = Flat(Digits.Value.Train, 512);
        float[] Train()
        {
            var model = new Sequential(seed: 3)
                .Add(new Input(784)).Add(new Dense(32, activation: Activation.ReLU)).Add(new Dropout(0.3)).Add(new Dense(10, activation: Activation.Softmax));
            model.Compile(new Sgd(learningRate: 0.1, momentum: 0.9), Loss.SparseCategoricalCrossentropy);
            model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0, seed: 11);
            return model.Weights.SelectMany(w => w.Value.ToArray<float>()).ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void AFunctionalModelWithABranchAndAMergeTrains()
    {
        var input = new Input([4], "features", seed: 5);
        var left = new Dense(8, activation: Activation.Tanh).Call(input);
        var right = new Dense(8, activation: Activation.ReLU).Call(input);
        var merged = new Concatenate().Call(left, right);
        var skip = new Add().Call(new Dense(16).Call(merged), merged);
        var output = new Dense(1).Call(skip);
        var model = new Model(input, output, "branchy");
        Assert.Equal([1], model.OutputShapeOfModel);
        Assert.Equal(4 * 8 + 8 + 4 * 8 + 8 + 16 * 16 + 16 + 16 + 1, model.ParameterCount);
        // y = 2·x0 − x1 + 0.5·x2·x3 on random inputs.
        var g = new Generator(9);
        var x = Tensor.Uniform(new Shape(512, 4), -1, 1, generator: g);
        var y = x[.., 0] * 2.0 - x[.., 1] + x[.., 2] * x[.., 3] * 0.5;
        model.Compile(new Adam(learningRate: 1e-2), Loss.MeanSquaredError, [Metric.MeanAbsoluteError]);
        var history = model.Fit(x, y, epochs: 30, batchSize: 64, verbose: 0);
        Assert.True(history["loss"][^1] < 0.02, $"final mse {history["loss"][^1]}");
        Assert.True(history["mean_absolute_error"][^1] < history["mean_absolute_error"][0]);
    }

    /// <summary>A user layer: y = x·scale with one learned weight per feature, built lazily from the input.</summary>
    private sealed class Scale : Layer
    {
        public Tensor? Factors { get; private set; }

        protected override void Build(int[] inputShape) =>
            Factors = AddWeight("factors", new Shape(inputShape[^1]), Initializer.Ones, (inputShape[^1], inputShape[^1]));

        protected override Tensor Forward(Tensor input, bool training) => input * Factors!;
    }

    [Fact]
    public void ACustomLayerBuildsLazilyAndLearns()
    {
        var scale = new Scale();
        var model = new Sequential(scale);
        Assert.False(scale.IsBuilt);
        var x = Tensor.Uniform(new Shape(256, 3), -1, 1, generator: new Generator(2));
        var target = x * Tensor.FromArray(new float[] { 3, -2, 0.5f });
        model.Compile(new Sgd(learningRate: 0.5), Loss.MeanSquaredError);
        model.Fit(x, target, epochs: 40, batchSize: 32, verbose: 0);
        Assert.True(scale.IsBuilt);
        var factors = scale.Factors!.ToArray<float>();
        Assert.Equal(3, factors[0], 2);
        Assert.Equal(-2, factors[1], 2);
        Assert.Equal(0.5, factors[2], 2);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeightsAndCallbacksSeeEveryEpoch()
    {
        var (x, y) = Flat(Digits.Value.Train, 600);
        var model = Mlp();
        // A learning rate far too high: validation loss gets worse, so training stops and the best epoch is restored.
        model.Compile(new Sgd(learningRate: 5.0), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var stopping = new EarlyStopping(monitor: "val_loss", patience: 1, restoreBestWeights: true);
        var epochsSeen = new List<int>();
        var csv = Path.Combine(Path.GetTempPath(), $"engine-history-{Guid.NewGuid():N}.csv");
        try
        {
            var history = model.Fit(x, y, epochs: 30, batchSize: 32, validationSplit: 0.2, verbose: 0,
                callbacks: [stopping, new LambdaCallback(onEpochEnd: (e, _) => epochsSeen.Add(e)), new CsvLogger(csv), new TerminateOnNaN()]);
            Assert.True(history.Epochs < 30, "training should stop early");
            Assert.Equal(Enumerable.Range(0, history.Epochs), epochsSeen);
            Assert.Equal(history.Epochs + 1, File.ReadAllLines(csv).Length);
            double best = history["val_loss"].Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
            var restored = model.Evaluate(x.Narrow(0, 480, 120), y.Narrow(0, 480, 120));
            if (double.IsFinite(best)) Assert.Equal(best, restored["loss"], 4);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public void ModelCheckpointSavesEveryEpochOrOnlyTheBest()
    {
        var (x, y) = Flat(Digits.Value.Train, 400);
        var folder = Path.Combine(Path.GetTempPath(), $"engine-checkpoints-{Guid.NewGuid():N}");
        try
        {
            var model = Mlp();
            model.Compile(new Adam(learningRate: 1e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
            var every = new ModelCheckpoint(Path.Combine(folder, "epoch-{epoch}.safetensors"));
            var best = new ModelCheckpoint(Path.Combine(folder, "best.safetensors"), monitor: "val_accuracy", saveBestOnly: true, includeOptimizer: true);
            var history = model.Fit(x, y, epochs: 3, batchSize: 50, validationSplit: 0.25, verbose: 0, callbacks: [every, best]);
            Assert.Equal(["epoch-1", "epoch-2", "epoch-3"], every.Saved.Select(Path.GetFileNameWithoutExtension));
            Assert.All(every.Saved, f => Assert.True(File.Exists(f)));
            var last = Model.Load(every.Saved[^1]);
            var validation = (x.Narrow(0, 300, 100), y.Narrow(0, 300, 100));
            Assert.Equal(model.Predict(validation.Item1).ToArray<float>(), last.Predict(validation.Item1).ToArray<float>());
            var restored = Model.Load(best.Saved[^1]);
            Assert.NotNull(restored.Optimizer);
            Assert.Equal(history["val_accuracy"].Max(), restored.Evaluate(validation.Item1, validation.Item2)["accuracy"], 6);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void HistoryWritesCsvAndSvg()
    {
        var (x, y) = Flat(Digits.Value.Train, 256);
        var model = Mlp();
        model.Compile(new Adam(), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var history = model.Fit(x, y, epochs: 2, batchSize: 64, validationSplit: 0.25, verbose: 0);
        var lines = history.ToCsv().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate", lines[0]);
        var svg = Path.Combine(Path.GetTempPath(), $"engine-history-{Guid.NewGuid():N}.svg");
        try
        {
            history.SaveSvg(svg);
            var text = File.ReadAllText(svg);
            Assert.StartsWith("<svg", text);
            Assert.Contains("val_loss", text);
            Assert.Equal(4, text.Split("<polyline").Length - 1);
        }
        finally
        {
            File.Delete(svg);
        }
    }

    [Fact]
    public void TheProgressLineIsPrintedPerEpochWhenRedirected()
    {
        var (x, y) = Flat(Digits.Value.Train, 128);
        var model = Mlp();
        model.Compile(new Adam(), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var previous = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try { model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 1); }
        finally { Console.SetOut(previous); }
        var text = output.ToString();
        Assert.Contains("Epoch 1/2", text);
        Assert.Contains("Epoch 2/2", text);
        Assert.Matches(@"4/4 ━+ \d+s \d+ms/step - accuracy: 0\.\d{4} - loss: \d\.\d{4}", text);
    }

    [Fact]
    public void MisuseGivesClearErrors()
    {
        var model = Mlp();
        var x = Tensor.Zeros(new Shape(8, 784));
        var y = Tensor.Zeros(new Shape(8), DType.Int32);
        Assert.Contains("not compiled", Assert.Throws<InvalidOperationException>(() => model.Fit(x, y)).Message);
        model.Compile(new Adam(), Loss.SparseCategoricalCrossentropy);
        Assert.Contains("same number of samples", Assert.Throws<ArgumentException>(() => model.Fit(x, Tensor.Zeros(new Shape(7), DType.Int32))).Message);
        Assert.Contains("per-sample shape", Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(new Shape(8, 783)))).Message);
    }

    [Fact]
    public void FrozenLayersStayFrozenInsideNestedModels()
    {
        var frozenLayer = new Dense(8, activation: Activation.ReLU, name: "frozen") { Trainable = false };
        var inner = new Sequential("inner", seed: 3).Add(new Input(6)).Add(frozenLayer).Add(new Dense(8, name: "free"));
        var frozenModel = new Sequential("frozen_model", seed: 4).Add(new Input(8)).Add(new Dense(4, name: "dense"));
        frozenModel.Trainable = false;
        var outer = new Sequential("outer", seed: 5).Add(new Input(6)).Add(inner).Add(frozenModel).Add(new Dense(2, name: "head"));
        var x = Tensor.Randn(new Shape(32, 6), generator: new Generator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => i % 2).ToArray());
        outer.Compile(new Adam(learningRate: 1e-2), new SparseCategoricalCrossentropy(fromLogits: true));
        var before = outer.Weights.ToDictionary(w => w, w => w.Value.ToArray<float>());
        outer.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        foreach (var (weight, values) in before)
        {
            bool frozen = frozenLayer.Weights.Contains(weight) || frozenModel.Weights.Contains(weight);
            bool changed = !values.SequenceEqual(weight.Value.ToArray<float>());
            Assert.True(frozen != changed, $"{weight.Name}: frozen {frozen}, changed {changed}");
        }
        Assert.Equal(inner.Weights.Count - frozenLayer.Weights.Count + 2, outer.TrainableWeights.Count());
    }
}
