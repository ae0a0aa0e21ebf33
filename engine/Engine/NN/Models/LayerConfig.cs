using System.Text.Json.Nodes;

namespace Engine.NN;

/// <summary>
/// A layer's architecture as JSON and back: {"type", "name", "config"}, the config being the layer's constructor
/// arguments read from the properties of the same name (<see cref="ConstructorConfig"/>), so a layer, built-in or
/// custom, whose constructor arguments are exposed as properties round-trips without serialisation code. A custom
/// layer keeps its name only if its constructor takes a <c>string? name</c> argument, as the built-in layers do.
/// A model used as a layer is {"type": "Sequential" or "Model", "name", "config": its whole architecture}, so models
/// nest to any depth (Keras nests a model's config the same way).
/// </summary>
internal static class LayerConfig
{
    private static readonly string[] NameArgument = ["name"];
    private const string SequentialType = "Sequential";
    private const string ModelType = "Model";

    /// <summary>{"type": …, "name": …, "config": {argument: value, …}}.</summary>
    public static JsonObject Describe(Layer layer)
    {
        var description = layer switch
        {
            Input input => Special("Input", new JsonObject { ["shape"] = ConstructorConfig.ToJson(input.Shape) }),
            Activation activation => Special("Activation", new JsonObject { ["function"] = activation.Function, ["parameter"] = activation.Parameter }),
            Model model => Special(model is Sequential ? SequentialType : ModelType, model.Architecture()),
            _ => ConstructorConfig.Describe(layer, NameArgument),
        };
        description["name"] = layer.Name;
        if (!layer.Trainable) description["trainable"] = false;
        return description;
    }

    /// <summary>Makes the layer a description describes (not yet built), with its saved name and trainable flag.</summary>
    public static Layer Create(JsonObject description, IReadOnlyList<Type> customLayers, string source)
    {
        var layer = CreateLayer(description, customLayers, source);
        layer.Trainable = (bool?)description["trainable"] ?? true;
        return layer;
    }

    private static Layer CreateLayer(JsonObject description, IReadOnlyList<Type> customLayers, string source)
    {
        string typeKey = (string?)description["type"] ?? throw ConstructorConfig.Bad(source, "a layer has no \"type\"");
        string? name = (string?)description["name"];
        var config = description["config"] as JsonObject ?? [];
        return typeKey switch
        {
            "Input" => new Input(ConstructorConfig.FromJson(config["shape"], typeof(int[]), customLayers, source) as int[]
                ?? throw ConstructorConfig.Bad(source, $"input {name} has no shape"), name),
            "Activation" => Activation.FromName((string)config["function"]!, (double)config["parameter"]!).Renamed(name),
            SequentialType or ModelType => NestedModel(typeKey, name, config, customLayers, source),
            _ => ConstructorConfig.Create<Layer>(description, customLayers, new Dictionary<string, object?> { ["name"] = name }, source),
        };
    }

    /// <summary>A nested model from its architecture, which must be of the class and name its entry says.</summary>
    private static Model NestedModel(string typeKey, string? name, JsonObject architecture, IReadOnlyList<Type> customLayers, string source)
    {
        var model = Model.FromArchitecture(architecture, customLayers, source);
        if ((model is Sequential ? SequentialType : ModelType) != typeKey || model.Name != name)
            throw ConstructorConfig.Bad(source, $"the nested model entry {typeKey} {name} holds the architecture of {(model is Sequential ? SequentialType : ModelType)} {model.Name}");
        return model;
    }

    private static JsonObject Special(string type, JsonObject config) => new() { ["type"] = type, ["config"] = config };

    /// <summary>The problem with a file, naming the file.</summary>
    internal static InvalidDataException Bad(string source, string problem) => ConstructorConfig.Bad(source, problem);
}
