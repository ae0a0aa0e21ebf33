using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Autodiff;
using Engine.IO;
using Engine.Tensors;

namespace Engine.NN;

public partial class Model
{
    private const string ArchitectureKey = "engine.architecture";
    private const string FormatName = "engine-model";

    /// <summary>
    /// Saves the model to one safetensors file: every weight under its name ("conv2d/kernel"), and the architecture
    /// as JSON in the header's metadata, so PyTorch and Hugging Face tools read the weights as they are. The file
    /// is written atomically (a temporary file renamed over the target): a failed save leaves the old file intact.
    /// </summary>
    /// <param name="path">The file (".safetensors" is the conventional extension).</param>
    public void Save(string path)
    {
        if (!IsBuilt && this is not Sequential) throw new InvalidOperationException($"Save: model {Name} is not built.");
        var architecture = Architecture();
        var weights = Weights.Select(w => new KeyValuePair<string, Tensor>(w.Name, w.Value)).ToList();
        SafeTensors.Save(path, weights, new Dictionary<string, string> { [ArchitectureKey] = architecture.ToJsonString() });
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: rebuilds the layers from the architecture and puts every weight
    /// back, so predictions are bit-identical to the saved model's (on the same machine and thread count). The
    /// model is not compiled.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="customLayers">Types of user-defined layers the file may name.</param>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt, or its weights do not fit its architecture; the message names the file and the problem.</exception>
    public static Model Load(string path, IReadOnlyList<Type>? customLayers = null)
    {
        var file = SafeTensors.Load(path);
        if (!file.Metadata.TryGetValue(ArchitectureKey, out var json))
            throw new InvalidDataException($"{path}: a safetensors file without a model architecture (no \"{ArchitectureKey}\" metadata); load plain weights with SafeTensors.Load.");
        JsonObject architecture;
        try
        {
            architecture = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: the architecture is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the architecture is not valid JSON ({e.Message}).", e);
        }
        var model = FromArchitecture(architecture, customLayers ?? [], path);
        model.LoadWeights(file, path);
        return model;
    }

    private JsonObject Architecture()
    {
        var layers = new JsonArray();
        foreach (var layer in Layers)
        {
            if (layer is Model) throw new ArgumentException($"Save: model {Name} contains the model {layer.Name}; nested models cannot be saved yet.");
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

    private static Model FromArchitecture(JsonObject architecture, IReadOnlyList<Type> customLayers, string source)
    {
        if ((string?)architecture["format"] != FormatName)
            throw new InvalidDataException($"{source}: the architecture is not an {FormatName} description.");
        var layers = (architecture["layers"] as JsonArray ?? throw LayerConfig.Bad(source, "the architecture has no layer list"))
            .Select(l => LayerConfig.Create(l as JsonObject ?? throw LayerConfig.Bad(source, "a layer entry is not an object"), customLayers, source))
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
        foreach (var node in (JsonArray)graph["nodes"]!)
        {
            var layer = byName.TryGetValue((string)node!["layer"]!, out var l) ? l : throw LayerConfig.Bad(source, $"the graph names an unknown layer {node["layer"]}");
            var inputs = ((JsonArray)node["inputs"]!).Select(i => values[(int)i!]).ToArray();
            values[(int)node["output"]!] = layer is Input input ? input.Output : layer.Call(inputs);
        }
        return new Model(((JsonArray)graph["inputs"]!).Select(i => values[(int)i!]).ToList(),
            ((JsonArray)graph["outputs"]!).Select(o => values[(int)o!]).ToList(), name);
    }

    private void LoadWeights(SafeTensorsFile file, string source)
    {
        var weights = Weights;
        var saved = file.Tensors.ToDictionary(t => t.Key, t => t.Value);
        var missing = weights.Where(w => !saved.ContainsKey(w.Name)).Select(w => w.Name).ToList();
        var extra = saved.Keys.Except(weights.Select(w => w.Name)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidDataException($"{source}: the weights do not match the architecture (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", extra)}).");
        using var scope = Autograd.NoGrad();
        foreach (var w in weights)
        {
            var value = saved[w.Name];
            if (!value.Shape.Equals(w.Value.Shape) || value.DType != w.Value.DType)
                throw new InvalidDataException($"{source}: weight {w.Name} is {value.Describe()} in the file but the architecture needs {w.Value.Describe()}.");
            w.Value.Assign(value);
        }
    }
}
