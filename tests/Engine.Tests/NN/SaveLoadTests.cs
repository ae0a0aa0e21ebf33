using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Engine.Autodiff;
using Engine.IO;
using Engine.Kernels.Cpu;
using Engine.NN;
using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.NN;

/// <summary>A user-defined layer with a weight and constructor arguments exposed as properties, to load through customLayers.</summary>
public sealed class ScaleShift(int groups, double factor, string? name = null) : Layer(name)
{
    /// <summary>How many distinct scales (the feature count must be a multiple).</summary>
    public int Groups { get; } = groups;

    /// <summary>Multiplies the output.</summary>
    public double Factor { get; } = factor;

    private Tensor? _scale;

    /// <inheritdoc/>
    protected override void Build(int[] inputShape) =>
        _scale = AddWeight("scale", new Shape(inputShape[^1]), Initializer.GlorotUniform, (inputShape[^1], inputShape[^1]));

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input * _scale! * Factor;
}

/// <summary>A user-defined loss with an argument, to load through customLayers.</summary>
public sealed class ScaledSquaredError(double scale) : Loss
{
    /// <summary>Multiplies the mean squared error.</summary>
    public double Scale { get; } = scale;

    /// <inheritdoc/>
    public override string Name => "scaled_squared_error";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor prediction, Tensor target) => (prediction - target).Square().Mean() * Scale;
}

/// <summary>A user-defined metric with an argument (mean of |error| above a margin), to load through customLayers.</summary>
public sealed class MarginError(double margin) : Metric
{
    private double _sum;
    private long _count;

    /// <summary>Errors at or below it count as zero.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc/>
    public override string Name => "margin_error";

    /// <inheritdoc/>
    public override void Update(Tensor target, Tensor prediction)
    {
        var excess = ((prediction - target).Abs() - Margin).Relu();
        _sum += excess.Sum().To(DType.Float64).Item<double>();
        _count += excess.NumElements;
    }

    /// <inheritdoc/>
    public override double Result() => _count == 0 ? 0 : _sum / _count;

    /// <inheritdoc/>
    public override void Reset() => (_sum, _count) = (0, 0);
}

/// <summary>Model.Save / Model.Load: bit-identical round trips, resumable training, corrupt files, atomic writes.</summary>
public sealed class SaveLoadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engine-saveload-").FullName;

    /// <summary>Removes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    // ---------------------------------------------------------------- round trips

    /// <summary>Models that together use every built-in layer type and option the architecture stores.</summary>
    public static TheoryData<string> ModelKinds() =>
        ["dense", "conv1d", "conv2d", "transpose", "normalization", "functional", "two_inputs", "custom", "unbuilt_sequential"];

    private static (Model Model, Tensor[] Inputs) Build(string kind)
    {
        var g = new Generator(99);
        Tensor X(params int[] shape) => Tensor.Randn(new Shape([5, .. shape]), generator: g);
        switch (kind)
        {
            case "dense":
                return (new Sequential("dense_model", seed: 3)
                    .Add(new Input(6))
                    .Add(new Dense(5, activation: Activation.ReLU, kernelInitializer: Initializer.HeNormal) { Trainable = false })
                    .Add(new Dense(4, activation: Activation.LeakyReLU(0.1), useBias: false, kernelRegularizer: Regularizer.L1L2(0.01, 0.02)))
                    .Add(new Dense(3, activation: Activation.Softmax, biasInitializer: Initializer.ConstantValue(0.5))), [X(6)]);
            case "conv1d":
                return (new Sequential(new Input(4, 13),
                    new Conv1D(6, 3, padding: ConvPadding.Same, activation: Activation.ELU(0.7)),
                    new Conv1D(6, 3, strides: 2, padding: ConvPadding.Explicit(1, 2), dilation: 2, groups: 2, activation: Activation.Swish),
                    new MaxPool1D(2, strides: 1, padding: 1),
                    new AveragePool1D(2, padding: 1, countIncludePad: true),
                    new Flatten(), new Dense(2)), [X(4, 13)]);
            case "conv2d":
                return (new Sequential(new Input(4, 9, 8),
                    new Conv2D(8, 3, padding: ConvPadding.Same, dilation: 2, groups: 2, activation: Activation.ReLU),
                    new Conv2D(6, (2, 3), strides: (2, 1), padding: (1, 0), kernelRegularizer: Regularizer.L2(0.1)),
                    new BatchNormalization(momentum: 0.8),
                    new MaxPool2D(2, padding: (1, 0)),
                    new AveragePool2D((2, 1), strides: 1, padding: (1, 0), countIncludePad: true),
                    new GlobalAveragePool(), new Dense(3, activation: Activation.Sigmoid)), [X(4, 9, 8)]);
            case "transpose":
                return (new Sequential(new Input(3, 4, 5),
                    new Conv2DTranspose(4, 3, strides: 2, padding: ConvPadding.Same, activation: Activation.Tanh),
                    new Conv2DTranspose(2, (2, 3), strides: (2, 2), outputPadding: (1, 1), useBias: false),
                    new UpSampling2D(2, UpsampleMode.Bilinear),
                    new UpSampling2D((1, 2)),
                    new GlobalMaxPool()), [X(3, 4, 5)]);
            case "normalization":
                return (new Sequential(new Input(12),
                    new Dense(12), new BatchNormalization(momentum: 0.9, epsilon: 1e-2, center: false),
                    Activation.GELU, new Dropout(0.4),
                    new Reshape(3, -1), new LayerNormalization(epsilon: 1e-4),
                    Activation.Softplus, new Flatten(), Activation.SELU, Activation.Linear, Activation.Softmax), [X(12)]);
            case "functional":
            {
                var input = new Input([7], "features");
                var left = new Dense(5, activation: Activation.ReLU, name: "left").Call(input);
                var right = new Dense(5, activation: Activation.Tanh, name: "right").Call(input);
                var sum = new Add(name: "sum").Call(left, right);
                var both = new Concatenate(name: "both").Call(sum, left);
                var output = new Dense(3, activation: Activation.Softmax, name: "head").Call(both);
                return (new Model(input, output, "branchy"), [X(7)]);
            }
            case "two_inputs":
            {
                var image = new Input([2, 6, 6], "image");
                var extra = new Input([4], "extra");
                var features = new Flatten().Call(new MaxPool2D(2).Call(new Conv2D(3, 3, padding: ConvPadding.Same).Call(image)));
                var joined = new Concatenate(axis: 0).Call(features, new Dense(6).Call(extra));
                return (new Model([image, extra], [new Dense(2).Call(joined)], "two_inputs"), [X(2, 6, 6), X(4)]);
            }
            case "custom":
                return (new Sequential(new Input(3, 8), new ScaleShift(2, 1.5, "scale_shift"), new Flatten(), new Dense(4)), [X(3, 8)]);
            default: // a Sequential without an Input, built from its first batch
            {
                var model = new Sequential(new Dense(4, activation: Activation.ReLU), new Dense(2));
                var x = X(3);
                model.Predict(x);
                return (model, [x]);
            }
        }
    }

    /// <summary>Random values in every weight (positive ones in the batch-norm variances), so nothing round-trips by accident.</summary>
    internal static void Randomize(Model model, ulong seed)
    {
        var g = new Generator(seed);
        using var scope = Autograd.NoGrad();
        foreach (var w in model.Weights)
            w.Value.Assign(w.Name.EndsWith("variance", StringComparison.Ordinal)
                ? Tensor.Uniform(w.Value.Shape, 0.5, 2, generator: g)
                : Tensor.Uniform(w.Value.Shape, -1, 1, generator: g));
    }

    internal static int[] Bits(Tensor t) => t.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [MemberData(nameof(ModelKinds))]
    public void A_loaded_model_predicts_bit_identically_and_summarises_identically(string kind)
    {
        var (model, inputs) = Build(kind);
        Randomize(model, 5);
        var path = PathOf(kind + ".safetensors");

        model.Save(path);
        var loaded = Model.Load(path, [typeof(ScaleShift)]);

        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(model.Summary(TextWriter.Null), loaded.Summary(TextWriter.Null));
        Assert.Equal(model.Weights.Select(w => w.Name), loaded.Weights.Select(w => w.Name));
        Assert.Equal(model.Layers.Select(l => l.Trainable), loaded.Layers.Select(l => l.Trainable));
        Assert.Equal(Bits(model.Predict(inputs, batchSize: 2)), Bits(loaded.Predict(inputs, batchSize: 2)));
        Assert.Null(loaded.Optimizer);
    }

    [Fact]
    public void The_layer_configuration_survives_the_round_trip()
    {
        var (model, _) = Build("conv2d");
        var path = PathOf("config.safetensors");
        model.Save(path);
        var conv = Assert.IsType<Conv2D>(Model.Load(path).Layers[1]);
        Assert.Equal((8, new Size2D(3, 3), ConvPadding.Same, new Size2D(2, 2), 2, "relu"),
            (conv.Filters, conv.KernelSize, conv.Padding, conv.Dilation, conv.Groups, conv.Activation.Function));
        var second = Assert.IsType<Conv2D>(Model.Load(path).Layers[2]);
        Assert.Equal((new Size2D(2, 1), (ConvPadding)(1, 0), 0.1), (second.Strides, second.Padding, second.KernelRegularizer!.L2Factor));
        var norm = Assert.IsType<BatchNormalization>(Model.Load(path).Layers[3]);
        Assert.Equal(0.8, norm.Momentum);
    }

    [Fact]
    public void A_custom_layer_needs_its_type()
    {
        var (model, _) = Build("custom");
        var path = PathOf("custom.safetensors");
        model.Save(path);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("ScaleShift", e.Message);
    }

    [Fact]
    public void Any_safetensors_reader_sees_the_weights_under_their_names()
    {
        var (model, _) = Build("dense");
        Randomize(model, 8);
        var path = PathOf("plain.safetensors");
        model.Save(path);
        var file = SafeTensors.Load(path);
        foreach (var w in model.Weights) Assert.Equal(Bits(w.Value), Bits(file[w.Name]));
        Assert.Contains("engine.architecture", file.Metadata.Keys);
    }

    // ---------------------------------------------------------------- resumable training

    /// <summary>Optimizer set-ups, each with a different state and configuration to restore.</summary>
    public static TheoryData<string> Optimizers() => ["adam", "sgd", "rmsprop", "adagrad", "adamw"];

    private static Optimizer MakeOptimizer(string kind)
    {
        Optimizer optimizer = kind switch
        {
            "adam" => new Adam(beta1: 0.8, schedule: new WarmUp(new ExponentialDecay(0.01, 3, 0.9), 2)),
            "sgd" => new Sgd(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
            "rmsprop" => new RmsProp(learningRate: 0.003, momentum: 0.5, centered: true),
            "adagrad" => new Adagrad(learningRate: 0.05, learningRateDecay: 0.01, schedule: new CosineDecay(0.05, 10, alpha: 0.1)),
            _ => new AdamW(learningRate: 0.004, weightDecay: 0.01, amsgrad: true),
        };
        if (kind == "adam") optimizer.ClipNorm = 0.5;
        if (kind == "sgd") optimizer.GlobalClipNorm = 1.0;
        if (kind == "adagrad") optimizer.ClipValue = 0.1;
        return optimizer;
    }

    private static Sequential Network() => new Sequential(seed: 21)
        .Add(new Input(2, 6, 6))
        .Add(new Conv2D(4, 3, padding: ConvPadding.Same, activation: Activation.ReLU))
        .Add(new BatchNormalization())
        .Add(new MaxPool2D(2))
        .Add(new Flatten())
        .Add(new Dense(3, activation: Activation.Softmax));

    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.Randn(new Shape(24, 2, 6, 6), generator: new Generator(4));
        var y = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i * 7 % 3).ToArray());
        return (x, y);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_resumed_after_a_load_continues_bit_identically(string kind)
    {
        var (x, y) = Data();
        void Train(Model m, int epochs) => m.Fit(x, y, epochs: epochs, batchSize: 8, shuffle: false, verbose: 0);

        var straight = Network().Compile(MakeOptimizer(kind), new SparseCategoricalCrossentropy(), [Metric.Accuracy]);
        Train(straight, 3);

        var first = Network().Compile(MakeOptimizer(kind), new SparseCategoricalCrossentropy(), [Metric.Accuracy]);
        Train(first, 2);
        var path = PathOf(kind + ".safetensors");
        first.Save(path, includeOptimizer: true);
        var resumed = Model.Load(path);
        Assert.NotNull(resumed.Optimizer);
        Assert.Equal(first.Optimizer!.GetType(), resumed.Optimizer.GetType());
        Assert.Equal(first.Optimizer.Iterations, resumed.Optimizer.Iterations);
        Assert.Equal(first.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
        Assert.Equal((first.Optimizer.ClipNorm, first.Optimizer.ClipValue, first.Optimizer.GlobalClipNorm),
            (resumed.Optimizer.ClipNorm, resumed.Optimizer.ClipValue, resumed.Optimizer.GlobalClipNorm));
        Assert.Equal(["accuracy"], resumed.Metrics.Select(m => m.Name));
        Train(resumed, 1);

        Assert.Equal(straight.Optimizer!.Iterations, resumed.Optimizer.Iterations);
        Assert.Equal(straight.Weights.Count, resumed.Weights.Count);
        for (int i = 0; i < straight.Weights.Count; i++)
            Assert.True(Bits(straight.Weights[i].Value).SequenceEqual(Bits(resumed.Weights[i].Value)), $"weight {straight.Weights[i].Name} differs");
    }

    [Fact]
    public void Without_the_optimizer_state_training_does_not_resume_identically()
    {
        // The control for the test above: it would pass trivially if the state did not matter.
        var (x, y) = Data();
        var straight = Network().Compile(MakeOptimizer("adam"), Loss.SparseCategoricalCrossentropy);
        straight.Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, verbose: 0);
        var first = Network().Compile(MakeOptimizer("adam"), Loss.SparseCategoricalCrossentropy);
        first.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0);
        var path = PathOf("weights-only.safetensors");
        first.Save(path);
        var reloaded = Model.Load(path).Compile(MakeOptimizer("adam"), Loss.SparseCategoricalCrossentropy);
        reloaded.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0);
        Assert.NotEqual(Bits(straight.Weights[0].Value), Bits(reloaded.Weights[0].Value));
    }

    [Fact]
    public void The_loss_configuration_and_optimizer_hyperparameters_are_restored()
    {
        var model = Network().Compile(new Adam(learningRate: 0.02, beta2: 0.95, epsilon: 1e-5), new CategoricalCrossentropy(fromLogits: true),
            [Metric.CategoricalAccuracy, Metric.AUC]);
        var path = PathOf("compiled.safetensors");
        model.Save(path, includeOptimizer: true);
        var loaded = Model.Load(path);
        var adam = Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal((0.02, 0.9, 0.95, 1e-5, 0L), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.Iterations));
        Assert.True(Assert.IsType<CategoricalCrossentropy>(loaded.Loss).FromLogits);
        Assert.Equal(["categorical_accuracy", "auc"], loaded.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void A_custom_loss_is_restored_through_customLayers_and_refused_without()
    {
        var model = new Sequential(new Input(3), new Dense(2)).Compile(new Sgd(), new ScaledSquaredError(2.5));
        var path = PathOf("custom-loss.safetensors");
        model.Save(path, includeOptimizer: true);
        Assert.Equal(2.5, Assert.IsType<ScaledSquaredError>(Model.Load(path, [typeof(ScaledSquaredError)]).Loss).Scale);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains("ScaledSquaredError", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_custom_metric_is_restored_through_customLayers_and_refused_without()
    {
        var model = new Sequential(new Input(3), new Dense(2)).Compile(new Sgd(), Loss.MeanSquaredError, [new MarginError(0.25), Metric.MeanAbsoluteError]);
        var path = PathOf("custom-metric.safetensors");
        model.Save(path, includeOptimizer: true);
        var loaded = Model.Load(path, [typeof(MarginError)]);
        Assert.Equal(["margin_error", "mean_absolute_error"], loaded.Metrics.Select(m => m.Name));
        Assert.Equal(0.25, Assert.IsType<MarginError>(loaded.Metrics[0]).Margin);
        var x = Tensor.Randn(new Shape(8, 3), generator: new Generator(2));
        var y = Tensor.Randn(new Shape(8, 2), generator: new Generator(3));
        Assert.Equal(model.Evaluate(x, y)["margin_error"], loaded.Evaluate(x, y)["margin_error"]);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains("MarginError", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Saving_the_optimizer_of_an_uncompiled_model_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Network().Save(PathOf("x.safetensors"), includeOptimizer: true));
        Assert.Contains("not compiled", e.Message);
    }

    // ---------------------------------------------------------------- bad files

    private byte[] ValidFile(out string path)
    {
        var (x, y) = Data();
        var model = new Sequential(new Input(2, 6, 6), new Conv2D(2, 3, name: "c"), new BatchNormalization(name: "bn"), new Flatten(name: "f"),
            new Dense(3, activation: Activation.Softmax, name: "d")).Compile(new Adam(), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        model.Fit(x, y, epochs: 1, batchSize: 12, shuffle: false, verbose: 0);
        path = PathOf("valid.safetensors");
        model.Save(path, includeOptimizer: true);
        return File.ReadAllBytes(path);
    }

    /// <summary>Loads bytes written to a fresh file: null when they load, else the exception, which must be an InvalidDataException naming the file.</summary>
    private InvalidDataException? LoadBytes(byte[] bytes)
    {
        var path = PathOf($"case-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            Model.Load(path);
            return null;
        }
        catch (InvalidDataException e)
        {
            Assert.Contains(path, e.Message);
            return e;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int HeaderEnd(byte[] bytes) => 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

    [Fact]
    public void Truncating_a_model_file_anywhere_gives_an_InvalidDataException_naming_the_file()
    {
        var valid = ValidFile(out _);
        Prop.ForAll(Gen.Choose(0, valid.Length - 1).ToArbitrary(), length =>
            LoadBytes(valid[..length]) is not null).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Flipping_header_bytes_never_gives_another_exception()
    {
        // A flip may leave a valid file (a changed model name); it must never crash, hang or throw anything else.
        var valid = ValidFile(out _);
        var flips = from index in Gen.Choose(0, HeaderEnd(valid) - 1)
                    from mask in Gen.Choose(1, 255)
                    select (index, mask);
        Prop.ForAll(flips.ToArbitrary(), flip =>
        {
            var bytes = (byte[])valid.Clone();
            bytes[flip.index] ^= (byte)flip.mask;
            LoadBytes(bytes);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Flipping_a_data_byte_is_caught_by_the_checksum()
    {
        var valid = ValidFile(out _);
        var flips = from index in Gen.Choose(HeaderEnd(valid), valid.Length - 1)
                    from mask in Gen.Choose(1, 255)
                    select (index, mask);
        Prop.ForAll(flips.ToArbitrary(), flip =>
        {
            var bytes = (byte[])valid.Clone();
            bytes[flip.index] ^= (byte)flip.mask;
            return LoadBytes(bytes) is { } e && e.Message.Contains("SHA-256", StringComparison.Ordinal);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Rewrites the header JSON (and its length) of a file.</summary>
    private static byte[] WithHeader(byte[] file, Action<JsonObject> edit)
    {
        var header = (JsonObject)JsonNode.Parse(file.AsSpan(8, HeaderEnd(file) - 8))!;
        edit(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var result = new byte[8 + json.Length + file.Length - HeaderEnd(file)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        file.AsSpan(HeaderEnd(file)).CopyTo(result.AsSpan(8 + json.Length));
        return result;
    }

    [Fact]
    public void Changing_a_dtype_shape_or_offset_in_the_header_is_caught()
    {
        var valid = ValidFile(out _);
        var names = ((JsonObject)JsonNode.Parse(valid.AsSpan(8, HeaderEnd(valid) - 8))!).Select(p => p.Key).Where(k => k != "__metadata__").ToArray();
        var edits = from name in Gen.Elements(names)
                    from what in Gen.Elements("dtype", "shape", "begin", "end")
                    from dtype in Gen.Elements("F64", "I32", "BOOL", "F16", "U8", "")
                    from delta in Gen.Elements(-9, -4, -1, 1, 2, 4, 1000)
                    from axis in Gen.Choose(0, 3)
                    select (name, what, dtype, delta, axis);
        Prop.ForAll(edits.ToArbitrary(), edit =>
        {
            var bytes = WithHeader(valid, header =>
            {
                var entry = (JsonObject)header[edit.name]!;
                var shape = (JsonArray)entry["shape"]!;
                var offsets = (JsonArray)entry["data_offsets"]!;
                switch (edit.what)
                {
                    case "dtype" when (string?)entry["dtype"] == "F32" && edit.dtype == "F64": entry["dtype"] = "I32"; break;
                    case "dtype": entry["dtype"] = (string?)entry["dtype"] == edit.dtype ? "F32" : edit.dtype; break;
                    case "shape" when shape.Count == 0 || edit.axis >= shape.Count: shape.Add(2); break;
                    case "shape": shape[edit.axis] = (int)shape[edit.axis]! + 1; break;
                    case "begin": offsets[0] = (long)offsets[0]! + edit.delta; break;
                    default: offsets[1] = (long)offsets[1]! + edit.delta; break;
                }
            });
            return LoadBytes(bytes) is not null;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_wrong_header_length_is_caught()
    {
        var valid = ValidFile(out _);
        ulong actual = BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var lengths = Gen.OneOf(Gen.Choose(0, (int)actual * 2).Select(n => (ulong)n), Gen.Elements(ulong.MaxValue, 1UL << 40, (ulong)valid.Length))
            .Where(n => n != actual);
        Prop.ForAll(lengths.ToArbitrary(), length =>
        {
            var bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
            return LoadBytes(bytes) is not null;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_missing_file_gives_FileNotFoundException_naming_it()
    {
        var path = PathOf("nowhere.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Weights_of_another_architecture_are_listed_by_name()
    {
        var small = new Sequential(new Input(3), new Dense(4, name: "a"), new Dense(2, name: "b"));
        var other = new Sequential(new Input(3), new Dense(4, name: "a"), new Dense(2, useBias: false, name: "c"));
        var path = PathOf("mixed.safetensors");
        small.Save(path);
        var architecture = SafeTensors.Load(path).Metadata["engine.architecture"];
        SafeTensors.Save(path, other.Weights.Select(w => new KeyValuePair<string, Tensor>(w.Name, w.Value)),
            new Dictionary<string, string> { ["engine.architecture"] = architecture });
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing: b/kernel, b/bias", e.Message);
        Assert.Contains("unexpected: c/kernel", e.Message);
    }

    [Fact]
    public void A_weight_of_another_shape_is_named_with_both_shapes()
    {
        var saved = new Sequential(new Input(3), new Dense(4, name: "w"));
        var other = new Sequential(new Input(3), new Dense(5, name: "w"));
        var path = PathOf("shapes.safetensors");
        saved.Save(path);
        var architecture = SafeTensors.Load(path).Metadata["engine.architecture"];
        SafeTensors.Save(path, other.Weights.Select(w => new KeyValuePair<string, Tensor>(w.Name, w.Value)),
            new Dictionary<string, string> { ["engine.architecture"] = architecture });
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains("w/kernel", e.Message);
        Assert.Contains("(3, 5)", e.Message);
        Assert.Contains("(3, 4)", e.Message);
    }

    [Fact]
    public void Plain_safetensors_without_an_architecture_are_refused_clearly()
    {
        var path = PathOf("plain.safetensors");
        SafeTensors.Save(path, [new("w", Tensor.Ones(new Shape(2)))]);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains("engine.architecture", e.Message);
    }

    // ---------------------------------------------------------------- atomic writes

    [Fact]
    public void A_save_that_fails_midway_leaves_the_old_file_and_no_temporary_file()
    {
        var path = PathOf("model.safetensors");
        var (first, _) = Build("dense");
        first.Save(path);
        var before = File.ReadAllBytes(path);
        var (second, _) = Build("conv2d");
        int written = 0;
        SafeTensors.AfterTensorWritten = (target, _) =>
        {
            if (target == path && ++written == 2) throw new IOException("injected failure after the second tensor");
        };
        try
        {
            var e = Assert.Throws<IOException>(() => second.Save(path));
            Assert.Contains("injected", e.Message);
        }
        finally
        {
            SafeTensors.AfterTensorWritten = null;
        }
        Assert.Equal(2, written);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        second.Save(path);
        Assert.NotEqual(before, File.ReadAllBytes(path));
    }
}
