using System.Reflection;
using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A layer's architecture as JSON and back, the way Keras's <c>get_config</c> works: the arguments of the layer's
/// public constructor are read from the properties of the same name, so a layer (built-in or custom) whose
/// constructor arguments are exposed as properties round-trips without writing any serialisation code.
/// </summary>
internal static class LayerConfig
{
    /// <summary>{"type": …, "name": …, "config": {argument: value, …}}.</summary>
    public static JsonObject Describe(Layer layer)
    {
        var type = layer.GetType();
        var description = new JsonObject { ["type"] = TypeKey(type), ["name"] = layer.Name };
        if (layer is Input input)
        {
            description["config"] = new JsonObject { ["shape"] = ToJson(input.Shape) };
            return description;
        }
        if (layer is Activation activation)
        {
            description["config"] = new JsonObject { ["function"] = activation.Function, ["parameter"] = activation.Parameter };
            return description;
        }
        var constructor = ConstructorOf(type);
        var config = new JsonObject();
        foreach (var parameter in constructor.GetParameters())
        {
            if (parameter.Name == "name") continue;
            var property = PropertyFor(type, parameter)!;
            config[parameter.Name!] = ToJson(property.GetValue(layer));
        }
        description["config"] = config;
        return description;
    }

    /// <summary>Makes the layer a description describes (not yet built).</summary>
    public static Layer Create(JsonObject description, IReadOnlyList<Type> customLayers, string source)
    {
        string typeKey = (string?)description["type"] ?? throw Bad(source, "a layer has no \"type\"");
        string? name = (string?)description["name"];
        var config = description["config"] as JsonObject ?? [];
        var type = Resolve(typeKey, customLayers, source);
        if (type == typeof(Input))
            return new Input(FromJson<int[]>(config["shape"]), name);
        if (type == typeof(Activation))
            return Activation.FromName((string)config["function"]!, (double)config["parameter"]!);
        var constructor = ConstructorOf(type);
        var arguments = constructor.GetParameters().Select(p => p.Name == "name" ? name
            : config.TryGetPropertyValue(p.Name!, out var node) ? FromJson(node, p.ParameterType)
            : p.HasDefaultValue ? p.DefaultValue
            : throw Bad(source, $"layer {name} ({typeKey}) has no value for '{p.Name}'")).ToArray();
        try
        {
            return (Layer)constructor.Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw Bad(source, $"layer {name} ({typeKey}) rejected its saved configuration: {e.InnerException.Message}");
        }
    }

    /// <summary>Built-in layers are saved by class name; others by full name and assembly.</summary>
    private static string TypeKey(Type type) =>
        type.Assembly == typeof(Layer).Assembly ? type.Name : $"{type.FullName}, {type.Assembly.GetName().Name}";

    private static Type Resolve(string key, IReadOnlyList<Type> customLayers, string source)
    {
        var builtIn = typeof(Layer).Assembly.GetType($"{typeof(Layer).Namespace}.{key}");
        if (builtIn is not null && typeof(Layer).IsAssignableFrom(builtIn)) return builtIn;
        var custom = customLayers.FirstOrDefault(t => TypeKey(t) == key || t.FullName == key) ?? Type.GetType(key);
        return custom is not null && typeof(Layer).IsAssignableFrom(custom) ? custom
            : throw Bad(source, $"layer type '{key}' is unknown; pass custom layer types to Model.Load(path, customLayers)");
    }

    /// <summary>The public constructor with the most parameters, each of which has a readable property of its name (or is "name").</summary>
    private static ConstructorInfo ConstructorOf(Type type) =>
        type.GetConstructors().Where(c => c.GetParameters().All(p => p.Name == "name" || PropertyFor(type, p) is not null))
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
        ?? throw new ArgumentException($"Save: layer type {type.Name} cannot be saved: every argument of a public constructor must be readable as a property of the same name.");

    private static PropertyInfo? PropertyFor(Type type, ParameterInfo parameter) =>
        type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        int or long or double or float or bool or string or ulong => JsonValue.Create(value),
        Enum e => e.ToString(),
        int[] array => new JsonArray(array.Select(d => (JsonNode)d).ToArray()),
        Size2D size => new JsonArray(size.Height, size.Width),
        ConvPadding padding => padding.IsSame ? "same" : new JsonArray(padding.Top, padding.Bottom, padding.Left, padding.Right),
        Activation activation => new JsonObject { ["function"] = activation.Function, ["parameter"] = activation.Parameter },
        Initializer initializer => initializer.Name,
        Regularizer regularizer => new JsonObject { ["l1"] = regularizer.L1Factor, ["l2"] = regularizer.L2Factor },
        _ => throw new ArgumentException($"Save: cannot store a layer argument of type {value.GetType().Name}."),
    };

    private static T FromJson<T>(JsonNode? node) => (T)FromJson(node, typeof(T))!;

    private static object? FromJson(JsonNode? node, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is null) return underlying is not null || !type.IsValueType ? null : Activator.CreateInstance(type);
        type = underlying ?? type;
        if (type == typeof(int)) return (int)node;
        if (type == typeof(long)) return (long)node;
        if (type == typeof(ulong)) return (ulong)node;
        if (type == typeof(double)) return (double)node;
        if (type == typeof(bool)) return (bool)node;
        if (type == typeof(string)) return (string?)node;
        if (type.IsEnum) return Enum.Parse(type, (string)node!);
        if (type == typeof(int[])) return ((JsonArray)node).Select(d => (int)d!).ToArray();
        if (type == typeof(Size2D)) return new Size2D((int)node[0]!, (int)node[1]!);
        if (type == typeof(ConvPadding))
            return node is JsonValue ? ConvPadding.Same : ConvPadding.Explicit((int)node[0]!, (int)node[1]!, (int)node[2]!, (int)node[3]!);
        if (type == typeof(Activation)) return Activation.FromName((string)node["function"]!, (double)node["parameter"]!);
        if (type == typeof(Initializer)) return Initializer.FromName((string)node!);
        if (type == typeof(Regularizer)) return Regularizer.L1L2((double)node["l1"]!, (double)node["l2"]!);
        throw new ArgumentException($"Load: cannot read a layer argument of type {type.Name}.");
    }

    internal static InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}.");
}
