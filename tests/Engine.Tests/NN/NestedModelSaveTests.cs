using System.Text.Json.Nodes;
using Engine.Autodiff;
using Engine.IO;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>Model.Save / Model.Load of models used as layers of other models: round trips, weight names, bad files.</summary>
public sealed class NestedModelSaveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engine-nested-").FullName;

    /// <summary>Removes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Every way a model can sit inside another.</summary>
    public static TheoryData<string> Nestings() =>
        ["sequential_in_sequential", "functional_in_sequential", "sequential_in_functional", "functional_in_functional",
         "same_model_twice", "two_alike_models", "three_levels", "frozen_inner"];

    private static Tensor X(params int[] shape) => Tensor.Randn(new Shape([5, .. shape]), generator: new Generator(99));

    /// <summary>A small Sequential block whose layers have fixed names, so two of them clash unless prefixed.</summary>
    private static Sequential Block(string name, int features, ulong seed = 7) => new Sequential(name, seed)
        .Add(new Input(features))
        .Add(new Dense(4, activation: Activation.Tanh, name: "dense"))
        .Add(new BatchNormalization(name: "norm"))
        .Add(new Dropout(0.3, name: "drop"));

    /// <summary>A functional block: two branches of fixed names, added.</summary>
    private static Model FunctionalBlock(string name, int features)
    {
        var input = new Input([features], "block_in");
        var left = new Dense(4, activation: Activation.ReLU, name: "left").Call(input);
        var right = new Dense(4, name: "right").Call(input);
        return new Model(input, new Add(name: "sum").Call(left, right), name);
    }

    private static (Model Model, Tensor[] Inputs) Build(string kind)
    {
        switch (kind)
        {
            case "sequential_in_sequential":
                return (new Sequential("outer", seed: 3).Add(new Input(6)).Add(Block("inner", 6)).Add(new Dense(3, name: "dense")), [X(6)]);
            case "functional_in_sequential":
                return (new Sequential(new Input(6), FunctionalBlock("inner", 6), new Dense(2, activation: Activation.Softmax, name: "head")), [X(6)]);
            case "sequential_in_functional":
            {
                var input = new Input([6], "x");
                var inner = Block("inner", 6).Call(input);
                return (new Model(input, new Dense(2, name: "dense").Call(new Concatenate().Call(inner, input)), "outer"), [X(6)]);
            }
            case "functional_in_functional":
            {
                var image = new Input([2, 4, 4], "image");
                var extra = new Input([3], "extra");
                var flat = new Flatten().Call(new Conv2D(2, 3, padding: ConvPadding.Same).Call(image));
                var mixed = FunctionalBlock("inner", 3).Call(extra);
                return (new Model([image, extra], [new Dense(2).Call(new Concatenate().Call(flat, mixed))], "outer"), [X(2, 4, 4), X(3)]);
            }
            case "same_model_twice": // one model called twice: its weights are shared, saved once
            {
                var shared = FunctionalBlock("shared", 4);
                var a = new Input([4], "a");
                var b = new Input([4], "b");
                var both = new Concatenate().Call(shared.Call(a), shared.Call(b));
                return (new Model([a, b], [new Dense(1, name: "dense").Call(both)], "siamese"), [X(4), X(4)]);
            }
            case "two_alike_models": // two models with equally named layers: the prefixes keep their weights apart
            {
                var input = new Input([5], "x");
                var first = Block("first", 5, seed: 1).Call(input);
                var second = Block("second", 5, seed: 2).Call(input);
                return (new Model(input, new Add().Call(first, second), "pair"), [X(5)]);
            }
            case "three_levels":
            {
                var middle = new Sequential("middle", seed: 4).Add(new Input(6)).Add(Block("inner", 6)).Add(new Dense(5, name: "dense"));
                var input = new Input([6], "x");
                var top = new Model(input, new Dense(3, name: "dense").Call(middle.Call(input)), "top");
                return (new Sequential("outermost", seed: 8).Add(new Input(6)).Add(top).Add(new Dropout(0.1, name: "drop")), [X(6)]);
            }
            default: // frozen_inner
            {
                var inner = Block("inner", 6);
                inner.Trainable = false;
                return (new Sequential("outer", seed: 3).Add(new Input(6)).Add(inner).Add(new Dense(3, name: "dense")), [X(6)]);
            }
        }
    }

    private static void Randomize(Model model, ulong seed) => SaveLoadTests.Randomize(model, seed);

    private static int[] Bits(Tensor t) => SaveLoadTests.Bits(t);

    /// <summary>Layer types and names, nested models opened, as a comparable list.</summary>
    private static List<string> Structure(Model model) => model.Layers.SelectMany(l => l is Model inner
        ? [$"{l.Name} ({l.GetType().Name}, trainable {l.Trainable}) [", .. Structure(inner), "]"]
        : new[] { $"{l.Name} ({l.GetType().Name}, trainable {l.Trainable})" }).ToList();

    private string Saved(Model model, string name)
    {
        var path = PathOf(name + ".safetensors");
        model.Save(path);
        return path;
    }

    [Theory]
    [MemberData(nameof(Nestings))]
    public void A_loaded_nested_model_predicts_bit_identically_and_summarises_identically(string kind)
    {
        var (model, inputs) = Build(kind);
        Randomize(model, 5);

        var loaded = Model.Load(Saved(model, kind));

        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(Structure(model), Structure(loaded));
        Assert.Equal(model.Summary(TextWriter.Null), loaded.Summary(TextWriter.Null));
        Assert.Equal(model.Weights.Select(w => w.Name), loaded.Weights.Select(w => w.Name));
        Assert.Equal(Bits(model.Predict(inputs, batchSize: 2)), Bits(loaded.Predict(inputs, batchSize: 2)));
    }

    [Fact]
    public void Nested_weights_are_saved_under_the_path_of_model_names()
    {
        var (model, _) = Build("three_levels");
        var file = SafeTensors.Load(Saved(model, "names"));
        Assert.Equal(
            ["top/middle/inner/dense/kernel", "top/middle/inner/dense/bias", "top/middle/inner/norm/gamma", "top/middle/inner/norm/beta",
             "top/middle/inner/norm/moving_mean", "top/middle/inner/norm/moving_variance",
             "top/middle/dense/kernel", "top/middle/dense/bias", "top/dense/kernel", "top/dense/bias"],
            file.Tensors.Select(t => t.Key));
    }

    [Fact]
    public void Two_models_with_equally_named_layers_keep_their_own_weights()
    {
        var (model, _) = Build("two_alike_models");
        Randomize(model, 6);
        var path = Saved(model, "alike");
        var file = SafeTensors.Load(path);
        var first = model.Layers.OfType<Model>().Single(m => m.Name == "first");
        var second = model.Layers.OfType<Model>().Single(m => m.Name == "second");
        Assert.Equal(Bits(first.Weights[0].Value), Bits(file["first/dense/kernel"]));
        Assert.Equal(Bits(second.Weights[0].Value), Bits(file["second/dense/kernel"]));
        Assert.NotEqual(Bits(file["first/dense/kernel"]), Bits(file["second/dense/kernel"]));
        var loaded = Model.Load(path).Layers.OfType<Model>().ToList();
        Assert.Equal(Bits(second.Weights[0].Value), Bits(loaded.Single(m => m.Name == "second").Weights[0].Value));
    }

    [Fact]
    public void A_model_called_twice_is_saved_once_and_still_shares_its_weights()
    {
        var (model, _) = Build("same_model_twice");
        var path = Saved(model, "twice");
        Assert.Equal(2, SafeTensors.Load(path).Tensors.Count(t => t.Key.StartsWith("shared/left/", StringComparison.Ordinal)));
        var loaded = Model.Load(path);
        Assert.Single(loaded.Layers.OfType<Model>());
        Assert.Equal(model.ParameterCount, loaded.ParameterCount);
    }

    [Fact]
    public void The_architecture_nests_the_inner_models_description()
    {
        var (model, _) = Build("sequential_in_functional");
        var architecture = JsonNode.Parse(SafeTensors.Load(Saved(model, "json")).Metadata["engine.architecture"])!;
        var entry = architecture["layers"]!.AsArray().Single(l => (string?)l!["name"] == "inner")!;
        Assert.Equal("Sequential", (string?)entry["type"]);
        Assert.Equal("inner", (string?)entry["config"]!["name"]);
        Assert.Equal(7UL, (ulong)entry["config"]!["seed"]!);
        Assert.Equal(["InputLayer", "dense", "norm", "drop"], entry["config"]!["layers"]!.AsArray()
            .Select(l => (string)l!["type"]! == "Input" ? "InputLayer" : (string)l["name"]!).ToArray());
    }

    // ---------------------------------------------------------------- bad nested parts

    /// <summary>Rewrites the file with its architecture edited (and no checksum when the tensors are renamed).</summary>
    private static void EditFile(string path, Action<JsonObject> editArchitecture, Func<string, string>? rename = null)
    {
        var file = SafeTensors.Load(path);
        var metadata = file.Metadata.ToDictionary();
        var architecture = (JsonObject)JsonNode.Parse(metadata["engine.architecture"])!;
        editArchitecture(architecture);
        metadata["engine.architecture"] = architecture.ToJsonString();
        if (rename is not null) metadata.Remove("engine.sha256");
        SafeTensors.Save(path, file.Tensors.Select(t => new KeyValuePair<string, Tensor>(rename?.Invoke(t.Key) ?? t.Key, t.Value)).ToList(), metadata);
    }

    private static JsonObject Inner(JsonObject architecture) =>
        (JsonObject)architecture["layers"]!.AsArray().Single(l => (string?)l!["name"] == "inner")!;

    /// <summary>Corruptions of the nested part, each with words its message must contain.</summary>
    public static TheoryData<string, string> Corruptions() => new()
    {
        { "inner_units", "inner/dense/kernel" },
        { "inner_config_not_an_object", "not an engine-model description" },
        { "inner_layers_missing", "no layer list" },
        { "inner_layer_unknown", "Nowhere" },
        { "inner_name_differs", "nested model entry" },
        { "inner_class_differs", "nested model entry" },
        { "tensor_renamed", "missing: inner/dense/kernel" },
        { "tensor_unprefixed", "unexpected: norm/beta" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_or_mismatched_nested_part_gives_an_InvalidDataException_naming_the_file(string corruption, string expected)
    {
        var (model, _) = Build("sequential_in_sequential");
        var path = Saved(model, corruption);
        Func<string, string>? rename = corruption switch
        {
            "tensor_renamed" => n => n == "inner/dense/kernel" ? "inner/dense/kernel2" : n,
            "tensor_unprefixed" => n => n == "inner/norm/beta" ? "norm/beta" : n,
            _ => null,
        };
        EditFile(path, architecture =>
        {
            var inner = Inner(architecture);
            var config = (JsonObject)inner["config"]!;
            switch (corruption)
            {
                case "inner_units": config["layers"]![1]!["config"]!["units"] = 5; break;
                case "inner_config_not_an_object": inner["config"] = "inner"; break;
                case "inner_layers_missing": config.Remove("layers"); break;
                case "inner_layer_unknown": config["layers"]![2]!["type"] = "Nowhere"; break;
                case "inner_name_differs": config["name"] = "renamed"; break;
                case "inner_class_differs": inner["type"] = "Model"; break;
            }
        }, rename);

        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
