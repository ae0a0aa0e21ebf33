using System.Text.Json.Nodes;
using Engine.IO;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>
/// The random state in resumable checkpoints: dropout masks and Fit's shuffling continue after Save + Load, so
/// 2 epochs + checkpoint + 1 epoch trains exactly as 3 epochs straight.
/// </summary>
public sealed class RandomStateSaveTests : IDisposable
{
    private const string RandomKey = "engine.random";
    private readonly string _folder = Directory.CreateTempSubdirectory("engine-random-").FullName;

    /// <summary>Removes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Networks with dropout: a Sequential, and a functional model holding a Sequential with its own dropout.</summary>
    public static TheoryData<string> Networks() => ["sequential", "nested"];

    private static Model Network(string kind)
    {
        if (kind == "sequential")
            return new Sequential("net", seed: 21).Add(new Input(6)).Add(new Dense(8, activation: Activation.ReLU, name: "hidden"))
                .Add(new Dropout(0.4, name: "drop")).Add(new Dense(3, activation: Activation.Softmax, name: "head"));
        var inner = new Sequential("encoder", seed: 5).Add(new Input(6)).Add(new Dense(8, activation: Activation.ReLU, name: "hidden"))
            .Add(new Dropout(0.3, name: "drop"));
        var input = new Input([6], "x");
        var dropped = new Dropout(0.2, name: "drop").Call(inner.Call(input)); // the same name as the inner one: the paths keep them apart
        return new Model(input, new Dense(3, activation: Activation.Softmax, name: "head").Call(dropped), "outer");
    }

    private static Model Compiled(string kind) => Network(kind).Compile(new Adam(learningRate: 0.01), new SparseCategoricalCrossentropy());

    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.Randn(new Shape(30, 6), generator: new Generator(4));
        var y = Tensor.FromArray(Enumerable.Range(0, 30).Select(i => i * 7 % 3).ToArray());
        return (x, y);
    }

    private static void Train(Model model, int epochs)
    {
        var (x, y) = Data();
        model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0);
    }

    private static int[] Bits(Tensor t) => t.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();

    private static void AssertSameWeights(Model expected, Model actual)
    {
        Assert.Equal(expected.Weights.Count, actual.Weights.Count);
        for (int i = 0; i < expected.Weights.Count; i++)
            Assert.True(Bits(expected.Weights[i].Value).SequenceEqual(Bits(actual.Weights[i].Value)), $"weight {expected.Weights[i].Name} differs");
    }

    private static bool SameWeights(Model a, Model b) =>
        a.Weights.Zip(b.Weights).All(p => Bits(p.First.Value).SequenceEqual(Bits(p.Second.Value)));

    /// <summary>The "engine.random" metadata the model's checkpoint holds.</summary>
    private string RandomStateJson(Model model)
    {
        var path = PathOf($"random-{Guid.NewGuid():N}.safetensors");
        model.Save(path, includeOptimizer: true);
        return SafeTensors.Load(path).Metadata[RandomKey];
    }

    /// <summary>Two epochs, then a checkpoint: its path.</summary>
    private string Checkpoint(string kind)
    {
        var first = Compiled(kind);
        Train(first, 2);
        var path = PathOf(kind + ".safetensors");
        first.Save(path, includeOptimizer: true);
        return path;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Training_with_dropout_and_shuffling_resumes_bit_identically(string kind)
    {
        var straight = Compiled(kind);
        Train(straight, 3);

        var resumed = Model.Load(Checkpoint(kind));
        Train(resumed, 1);

        AssertSameWeights(straight, resumed);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Without_the_saved_random_state_resumed_training_differs(string kind)
    {
        // The control for the test above: it would pass trivially if dropout and shuffling drew nothing.
        var straight = Compiled(kind);
        Train(straight, 3);
        var path = Checkpoint(kind);
        var file = SafeTensors.Load(path);
        var metadata = file.Metadata.ToDictionary();
        var random = (JsonObject)JsonNode.Parse(metadata[RandomKey])!;

        metadata.Remove(RandomKey);
        SafeTensors.Save(path, file.Tensors, metadata);
        var fresh = Model.Load(path);
        Train(fresh, 1);
        Assert.False(SameWeights(straight, fresh));

        // Each part on its own matters: the shuffle generator, and the dropout generators.
        foreach (var part in new[] { "shuffle", "layers" })
        {
            var partial = (JsonObject)random.DeepClone();
            var donor = (JsonObject)JsonNode.Parse(RandomStateJson(Compiled(kind)))!;
            partial[part] = donor[part]!.DeepClone();
            metadata[RandomKey] = partial.ToJsonString();
            SafeTensors.Save(path, file.Tensors, metadata);
            var half = Model.Load(path);
            Train(half, 1);
            Assert.False(SameWeights(straight, half), $"restoring all but the {part} state still resumed identically");
        }
    }

    [Fact]
    public void Successive_Fit_calls_continue_the_shuffling_and_a_seed_restarts_it()
    {
        var straight = Compiled("sequential");
        Train(straight, 3);
        var split = Compiled("sequential");
        Train(split, 2);
        Train(split, 1);
        AssertSameWeights(straight, split);

        var (x, y) = Data();
        var reseeded = Compiled("sequential");
        Train(reseeded, 2);
        reseeded.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, seed: 0);
        Assert.False(SameWeights(straight, reseeded));
    }

    [Fact]
    public void Every_dropout_layer_is_saved_by_its_path_and_a_plain_save_stores_no_random_state()
    {
        var model = Compiled("nested");
        Train(model, 1);
        var path = PathOf("paths.safetensors");
        model.Save(path, includeOptimizer: true);
        var random = JsonNode.Parse(SafeTensors.Load(path).Metadata[RandomKey])!;
        Assert.Equal(["encoder/drop", "drop"], random["layers"]!.AsObject().Select(p => p.Key));
        Assert.Equal(4, random["shuffle"]!["words"]!.AsArray().Count);

        model.Save(path);
        Assert.DoesNotContain(RandomKey, SafeTensors.Load(path).Metadata.Keys);
    }

    [Fact]
    public void A_checkpoint_written_before_the_random_state_was_saved_still_loads()
    {
        var path = Checkpoint("sequential");
        var file = SafeTensors.Load(path);
        SafeTensors.Save(path, file.Tensors, file.Metadata.Where(m => m.Key != RandomKey).ToDictionary());
        var loaded = Model.Load(path);
        Assert.NotNull(loaded.Optimizer);
        Train(loaded, 1);
    }

    /// <summary>Corruptions of the random state, each with words its message must contain.</summary>
    public static TheoryData<string, string> Corruptions() => new()
    {
        { "layer_missing", "missing: encoder/drop" },
        { "layer_unexpected", "unexpected: ghost" },
        { "word_not_hex", "not four 64-bit hex words" },
        { "three_words", "not four 64-bit hex words" },
        { "zero_words", "not a state a generator can be in" },
        { "no_layers", "no \"layers\"" },
        { "shuffle_missing", "shuffle generator" },
        { "not_json", "random state is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_random_state_gives_an_InvalidDataException_naming_the_file(string corruption, string expected)
    {
        var path = Checkpoint("nested");
        var file = SafeTensors.Load(path);
        var metadata = file.Metadata.ToDictionary();
        var random = (JsonObject)JsonNode.Parse(metadata[RandomKey])!;
        var layers = random["layers"]!.AsObject();
        var words = layers["drop"]!["words"]!.AsArray();
        switch (corruption)
        {
            case "layer_missing": layers.Remove("encoder/drop"); break;
            case "layer_unexpected": layers["ghost"] = layers["drop"]!.DeepClone(); break;
            case "word_not_hex": words[2] = "not hex"; break;
            case "three_words": words.RemoveAt(0); break;
            case "zero_words": layers["drop"]!["words"] = new JsonArray("0", "0", "0", "0"); break;
            case "no_layers": random.Remove("layers"); break;
            case "shuffle_missing": random.Remove("shuffle"); break;
        }
        metadata[RandomKey] = corruption == "not_json" ? "{\"layers\": [" : random.ToJsonString();
        SafeTensors.Save(path, file.Tensors, metadata);

        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
