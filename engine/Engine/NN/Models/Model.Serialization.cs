using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Autodiff;
using Engine.IO;
using Engine.Tensors;

namespace Engine.NN;

public partial class Model
{
    private const string ArchitectureKey = "engine.architecture";
    private const string TrainingKey = "engine.training";
    private const string ChecksumKey = "engine.sha256";
    private const string RandomKey = "engine.random";
    private const string OptimizerPrefix = "optimizer/";
    private const string FormatName = "engine-model";

    /// <summary>
    /// Saves the model to one safetensors file: every weight under its name ("conv2d/kernel"), and the architecture
    /// as JSON in the header's metadata ("engine.architecture"), so PyTorch and Hugging Face tools read the weights
    /// as they are. A model used as a layer (nested, at any depth) is saved inside its parent: its architecture nests
    /// in the parent's layer list, and its weights carry its name as a prefix ("inner/dense/kernel"), as Keras's HDF5
    /// files group a nested model's weights under its name; weights of the top-level layers keep their plain names.
    /// With <paramref name="includeOptimizer"/> (a resumable checkpoint) the compile configuration (optimizer type
    /// and hyperparameters, learning-rate schedule, clipping, loss, metric names) goes into the metadata
    /// ("engine.training"), the optimizer's state (step count, learning rate, slot tensors) into tensors named
    /// "optimizer/…" ("optimizer/dense/kernel/exp_avg"), and the random state into the metadata ("engine.random"):
    /// the <see cref="Generator.State"/> of every Dropout (and MultiHeadAttention) layer's mask generator (nested ones too, by path) and of
    /// the generator the tensor overload of <c>Fit</c> shuffles with, so training resumed after <see cref="Load"/>
    /// continues exactly where it stopped, dropout and shuffling included. Without it none of that is stored: the
    /// loaded model's dropout generators start from the model's seed again and its shuffling from seed 0. A
    /// <see cref="Engine.Data.DataLoader"/>'s generator is never stored. A SHA-256 of the tensor data
    /// ("engine.sha256") lets <see cref="Load"/> detect a corrupted weight, which safetensors alone would not. The
    /// file is written atomically (a temporary file renamed over the target): a failed save leaves the old file intact.
    /// </summary>
    /// <param name="path">The file (".safetensors" is the conventional extension).</param>
    /// <param name="includeOptimizer">Whether to store the compile configuration and the optimizer state as well.</param>
    /// <exception cref="InvalidOperationException">The model is not built, or <paramref name="includeOptimizer"/> is set and it is not compiled.</exception>
    /// <exception cref="ArgumentException">A layer, optimizer, loss or metric cannot be described (see the message).</exception>
    public void Save(string path, bool includeOptimizer = false)
    {
        if (!IsBuilt && this is not Sequential) throw new InvalidOperationException($"Save: model {Name} is not built.");
        var metadata = new Dictionary<string, string> { [ArchitectureKey] = Architecture().ToJsonString() };
        var tensors = SavedWeights().Select(w => new KeyValuePair<string, Tensor>(w.Name, w.Value)).ToList();
        if (includeOptimizer)
        {
            var (optimizer, loss) = Compiled("Save");
            metadata[TrainingKey] = TrainingConfig.Describe(optimizer, loss, _metrics).ToJsonString();
            metadata[RandomKey] = RandomStateConfig.Describe(ShuffleGenerator, RandomLayers()).ToJsonString();
            tensors.AddRange(OptimizerTensors(optimizer));
        }
        metadata[ChecksumKey] = Checksum(tensors);
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: rebuilds the layers, nested models included, from the architecture
    /// and puts every weight back, so predictions are bit-identical to the saved model's (on the same machine and
    /// thread count). When the file holds the optimizer, the model comes back compiled with the optimizer's state
    /// restored, and with the saved random state (dropout masks, Fit's shuffling) when the file has one (files
    /// written before it was saved load with fresh generators); otherwise it is not compiled. Nothing is returned
    /// unless everything loaded.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="customLayers">User-defined types the file may name: layers, and also losses, optimizers or learning-rate schedules.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt, or its weights do not fit its architecture; the message names the file and the problem.</exception>
    public static Model Load(string path, IReadOnlyList<Type>? customLayers = null)
    {
        var file = SafeTensors.Load(path);
        try
        {
            return Restore(file, customLayers ?? [], path);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            // A corrupt architecture can trip any layer's argument checks; to the caller it is one bad file.
            throw new InvalidDataException($"{path}: the saved model cannot be rebuilt: {e.Message}", e);
        }
    }

    private static Model Restore(SafeTensorsFile file, IReadOnlyList<Type> customTypes, string path)
    {
        if (!file.Metadata.TryGetValue(ArchitectureKey, out var json))
            throw new InvalidDataException($"{path}: a safetensors file without a model architecture (no \"{ArchitectureKey}\" metadata); load plain weights with SafeTensors.Load.");
        if (file.Metadata.TryGetValue(ChecksumKey, out var checksum) && checksum != Checksum(file.Tensors))
            throw new InvalidDataException($"{path}: the tensor data is corrupt (its SHA-256 differs from the one saved with it).");
        var model = FromArchitecture(ParseObject(json, "architecture", path), customTypes, path);
        var weightNames = model.SavedWeights().Select(w => w.Name).ToHashSet();
        bool IsOptimizerState(string name) => name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !weightNames.Contains(name);
        model.LoadWeights(file.Tensors.Where(t => !IsOptimizerState(t.Key)).ToList(), path);
        var optimizerState = file.Tensors.Where(t => IsOptimizerState(t.Key)).ToList();
        if (file.Metadata.TryGetValue(TrainingKey, out var training))
            model.RestoreTraining(ParseObject(training, "training configuration", path), optimizerState, customTypes, path);
        else if (optimizerState.Count > 0)
            throw new InvalidDataException($"{path}: optimizer tensors ({optimizerState[0].Key}, …) without a training configuration (\"{TrainingKey}\" metadata).");
        if (file.Metadata.TryGetValue(RandomKey, out var random))
            RandomStateConfig.Restore(ParseObject(random, "random state", path), model.ShuffleGenerator, model.RandomLayers(), path);
        return model;
    }

    /// <summary>
    /// SHA-256 of the tensors' bytes in file order: safetensors itself has no checksum, and a flipped bit in a
    /// weight would otherwise load silently.
    /// </summary>
    private static string Checksum(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (_, tensor) in tensors) hash.AppendData(tensor.ToBytes());
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static JsonObject ParseObject(string json, string what, string path)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: the {what} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the {what} is not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Every weight under the name it is saved by: a nested model's weights get its name as a prefix
    /// ("inner/dense/kernel", "outer/inner/dense/kernel" two levels down), so two nested models with equally named
    /// layers stay apart; a weight shared between layers is saved once, under the name it is first met by.
    /// </summary>
    private List<Weight> SavedWeights()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var weights = new List<Weight>();
        foreach (var layer in Layers)
        {
            var own = layer is Model inner ? inner.SavedWeights().Select(w => w with { Name = $"{inner.Name}/{w.Name}" }) : layer.Weights;
            weights.AddRange(own.Where(w => seen.Add(w.Value)));
        }
        return weights;
    }

    /// <summary>The built layers that draw random numbers while training, by path ("dropout", "inner/dropout"), with their generators.</summary>
    private List<(string Path, Generator Generator)> RandomLayers()
    {
        var random = new List<(string, Generator)>();
        foreach (var layer in Layers)
        {
            if (layer is Model inner) random.AddRange(inner.RandomLayers().Select(r => ($"{inner.Name}/{r.Path}", r.Generator)));
            else if (layer is IMaskedLayer { MaskGenerator: { } generator }) random.Add((layer.Name, generator));
        }
        return random;
    }

    /// <summary>The model as JSON: its class, name and layers (a nested model's entry holds its own architecture), and its seed or graph.</summary>
    internal JsonObject Architecture()
    {
        var layers = new JsonArray();
        var names = new HashSet<string>();
        foreach (var layer in Layers)
        {
            if (!names.Add(layer.Name)) throw new ArgumentException($"Save: model {Name} has two layers named {layer.Name}; saved layers are found by name.");
            layers.Add(LayerConfig.Describe(layer));
        }
        var description = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = 1,
            ["class"] = this is Sequential ? "Sequential" : "Model",
            ["name"] = Name,
            ["layers"] = layers,
        };
        if (this is Sequential sequential) description["seed"] = sequential.Seed;
        else description["graph"] = GraphDescription();
        return description;
    }

    /// <summary>The wiring of a functional model: per node the layer and the ids of its inputs; then the output ids.</summary>
    private JsonObject GraphDescription() => new()
    {
        ["nodes"] = new JsonArray(_nodes.Select(n => (JsonNode)new JsonObject
        {
            ["layer"] = n.Layer.Name,
            ["inputs"] = new JsonArray(n.Inputs.Select(i => (JsonNode)i).ToArray()),
            ["output"] = n.Output,
        }).ToArray()),
        ["inputs"] = new JsonArray(_inputs.Select(i => (JsonNode)_nodes.First(n => ReferenceEquals(n.Layer, i.Producer)).Output).ToArray()),
        ["outputs"] = new JsonArray(_outputs.Select(o => (JsonNode)_outputIds[o]).ToArray()),
    };

    /// <summary>Rebuilds a model (not yet holding its saved weights) from <see cref="Architecture"/>'s description.</summary>
    internal static Model FromArchitecture(JsonObject architecture, IReadOnlyList<Type> customTypes, string source)
    {
        if ((string?)architecture["format"] != FormatName)
            throw new InvalidDataException($"{source}: the architecture is not an {FormatName} description.");
        var layers = (architecture["layers"] as JsonArray ?? throw LayerConfig.Bad(source, "the architecture has no layer list"))
            .Select(l => LayerConfig.Create(l as JsonObject ?? throw LayerConfig.Bad(source, "a layer entry is not an object"), customTypes, source))
            .ToList();
        string? name = (string?)architecture["name"];
        if ((string?)architecture["class"] == "Sequential")
        {
            var sequential = new Sequential(name, (ulong?)architecture["seed"] ?? Sequential.DefaultSeed);
            foreach (var layer in layers) sequential.Add(layer);
            return sequential;
        }
        var graph = architecture["graph"] as JsonObject ?? throw LayerConfig.Bad(source, "a functional model without a graph");
        var byName = layers.ToDictionary(l => l.Name);
        var values = new Dictionary<int, SymbolicTensor>();
        SymbolicTensor Value(JsonNode? id) => values.TryGetValue((int)id!, out var value) ? value
            : throw LayerConfig.Bad(source, $"the graph uses value {id} before any layer makes it");
        foreach (var node in (JsonArray)graph["nodes"]!)
        {
            var layer = byName.TryGetValue((string)node!["layer"]!, out var l) ? l : throw LayerConfig.Bad(source, $"the graph names an unknown layer {node["layer"]}");
            var inputs = ((JsonArray)node["inputs"]!).Select(Value).ToArray();
            values[(int)node["output"]!] = layer is Input input ? input.Output : layer.Call(inputs);
        }
        return new Model(((JsonArray)graph["inputs"]!).Select(Value).ToList(), ((JsonArray)graph["outputs"]!).Select(Value).ToList(), name);
    }

    /// <summary>Checks every weight against the file before assigning any, so a mismatch changes nothing.</summary>
    private void LoadWeights(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, string source)
    {
        var weights = SavedWeights();
        var saved = tensors.ToDictionary(t => t.Key, t => t.Value);
        var missing = weights.Where(w => !saved.ContainsKey(w.Name)).Select(w => w.Name).ToList();
        var extra = saved.Keys.Except(weights.Select(w => w.Name)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidDataException($"{source}: the weights do not match the architecture (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", extra)}).");
        foreach (var w in weights)
        {
            var value = saved[w.Name];
            if (!value.Shape.Equals(w.Value.Shape) || value.DType != w.Value.DType)
                throw new InvalidDataException($"{source}: weight {w.Name} is {value.Describe()} in the file but the architecture needs {w.Value.Describe()}.");
        }
        using var scope = Autograd.NoGrad();
        foreach (var w in weights) w.Value.Assign(saved[w.Name]);
    }

    /// <summary>The optimizer's state with each slot named by its weight: "optimizer/dense/kernel/exp_avg".</summary>
    private List<KeyValuePair<string, Tensor>> OptimizerTensors(Optimizer optimizer)
    {
        var weightNames = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var w in SavedWeights()) weightNames.TryAdd(w.Value, w.Name);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, value) in optimizer.GetState())
        {
            var parts = key.Split('.', 3);
            string name = parts.Length == 3 && parts[0] == "param"
                ? (weightNames.TryGetValue(optimizer.Parameters[int.Parse(parts[1], CultureInfo.InvariantCulture)], out var weight) ? weight
                    : throw new ArgumentException($"Save: optimizer parameter {parts[1]} is not a weight of model {Name}; only the model's own weights can be saved with the optimizer."))
                  + "/" + parts[2]
                : key;
            tensors.Add(new(OptimizerPrefix + name, value));
        }
        return tensors;
    }

    /// <summary>Compiles the loaded model as it was saved and gives its optimizer the saved state.</summary>
    private void RestoreTraining(JsonObject training, List<KeyValuePair<string, Tensor>> state, IReadOnlyList<Type> customTypes, string source)
    {
        var (optimizer, loss, metrics) = TrainingConfig.Create(training, customTypes, source);
        Compile(optimizer, loss, metrics);
        BindOptimizer(optimizer);
        var weights = SavedWeights();
        var index = new Dictionary<string, int>();
        foreach (var w in weights)
        {
            int i = optimizer.Parameters.ToList().FindIndex(p => ReferenceEquals(p, w.Value));
            if (i >= 0) index.TryAdd(w.Name, i);
        }
        var keyed = new Dictionary<string, Tensor>();
        foreach (var (name, value) in state)
        {
            string key = name[OptimizerPrefix.Length..];
            int slash = key.LastIndexOf('/');
            if (slash > 0)
            {
                var weight = weights.FirstOrDefault(w => w.Name == key[..slash]);
                if (weight is null || !index.TryGetValue(weight.Name, out int i))
                    throw LayerConfig.Bad(source, $"the optimizer tensor {name} belongs to no trainable weight");
                if (value.DType != weight.Value.DType || !value.Shape.Equals(weight.Value.Shape))
                    throw LayerConfig.Bad(source, $"the optimizer tensor {name} is {value.Describe()}, its weight {weight.Value.Describe()}");
                key = $"param.{i}.{key[(slash + 1)..]}";
            }
            else if (value.DType != DType.Float64 || value.Rank != 0)
                throw LayerConfig.Bad(source, $"the optimizer tensor {name} is {value.Describe()}, not a float64 scalar");
            keyed[key] = value;
        }
        try
        {
            optimizer.LoadState(keyed);
        }
        catch (ArgumentException e)
        {
            throw LayerConfig.Bad(source, $"the optimizer state does not fit the model: {e.Message}");
        }
    }
}
