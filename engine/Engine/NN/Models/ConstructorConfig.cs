using System.Reflection;
using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// An object's configuration as JSON and back, the way Keras's <c>get_config</c> works: the arguments of the
/// object's public constructor are read from the properties of the same name, so a layer, optimizer, loss or
/// learning-rate schedule (built-in or custom) whose constructor arguments are exposed as properties round-trips
/// without serialisation code of its own.
/// </summary>
internal static class ConstructorConfig
{
    /// <summary>{"type": …, "config": {argument: value, …}}; the <paramref name="skipped"/> arguments are left out.</summary>
    public static JsonObject Describe(object value, IReadOnlyCollection<string> skipped)
    {
        var type = value.GetType();
        var config = new JsonObject();
        foreach (var parameter in ConstructorOf(type, skipped).GetParameters())
        {
            if (skipped.Contains(parameter.Name!)) continue;
            config[parameter.Name!] = ToJson(PropertyFor(type, parameter)!.GetValue(value));
        }
        return new JsonObject { ["type"] = TypeKey(type), ["config"] = config };
    }

    /// <summary>
    /// Makes the object a description describes: a <typeparamref name="T"/> named by its "type", constructed from
    /// its "config"; the <paramref name="given"/> arguments (such as a layer's name) are passed as they are.
    /// </summary>
    public static T Create<T>(JsonObject description, IReadOnlyList<Type> customTypes, IReadOnlyDictionary<string, object?> given, string source)
        where T : class
    {
        string typeKey = (string?)description["type"] ?? throw Bad(source, $"a {typeof(T).Name} description has no \"type\"");
        var config = description["config"] as JsonObject ?? [];
        var type = Resolve<T>(typeKey, customTypes, source);
        var constructor = ConstructorOf(type, [.. given.Keys]);
        var arguments = constructor.GetParameters().Select(p => given.TryGetValue(p.Name!, out var value) ? value
            : config.TryGetPropertyValue(p.Name!, out var node) ? FromJson(node, p.ParameterType, customTypes, source)
            : p.HasDefaultValue ? p.DefaultValue
            : throw Bad(source, $"{typeKey} has no saved value for its argument '{p.Name}'")).ToArray();
        try
        {
            return (T)constructor.Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw Bad(source, $"{typeKey} rejected its saved configuration: {e.InnerException.Message}");
        }
    }

    /// <summary>Built-in types are saved by class name; others by full name and assembly.</summary>
    public static string TypeKey(Type type) =>
        type.Assembly == typeof(Layer).Assembly ? type.Name : $"{type.FullName}, {type.Assembly.GetName().Name}";

    /// <summary>
    /// The type a saved key names: a built-in of the engine or one of <paramref name="customTypes"/>, always a
    /// <typeparamref name="T"/>. Other types are never loaded by name, so a file cannot make the loader construct
    /// arbitrary classes (as Keras asks for custom_objects).
    /// </summary>
    public static Type Resolve<T>(string key, IReadOnlyList<Type> customTypes, string source)
    {
        var builtIn = typeof(Layer).Assembly.GetType($"{typeof(Layer).Namespace}.{key}");
        if (builtIn is not null && typeof(T).IsAssignableFrom(builtIn) && !builtIn.IsAbstract) return builtIn;
        var custom = customTypes.FirstOrDefault(t => TypeKey(t) == key || t.FullName == key);
        return custom is not null && typeof(T).IsAssignableFrom(custom) && !custom.IsAbstract ? custom
            : throw Bad(source, $"the {typeof(T).Name} type '{key}' is unknown; pass custom types to Model.Load(path, customLayers)");
    }

    /// <summary>The public constructor with the most parameters, each of which is readable as a property of its name (or is <paramref name="skipped"/>).</summary>
    public static ConstructorInfo ConstructorOf(Type type, IReadOnlyCollection<string> skipped) =>
        type.GetConstructors().Where(c => c.GetParameters().All(p => skipped.Contains(p.Name!) || PropertyFor(type, p) is not null))
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
        ?? throw new ArgumentException($"Save: {type.Name} cannot be saved: every argument of a public constructor must be readable as a property of the same name.");

    private static PropertyInfo? PropertyFor(Type type, ParameterInfo parameter) =>
        type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);

    /// <summary>An argument value as JSON.</summary>
    public static JsonNode? ToJson(object? value) => value switch
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
        ILearningRateSchedule schedule => Describe(schedule, []),
        _ => throw new ArgumentException($"Save: cannot store an argument of type {value.GetType().Name}."),
    };

    /// <summary>An argument value of <paramref name="type"/> from JSON.</summary>
    public static object? FromJson(JsonNode? node, Type type, IReadOnlyList<Type> customTypes, string source)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is null) return underlying is not null || !type.IsValueType ? null : Activator.CreateInstance(type);
        type = underlying ?? type;
        if (type == typeof(int)) return (int)node;
        if (type == typeof(long)) return (long)node;
        if (type == typeof(ulong)) return (ulong)node;
        if (type == typeof(double)) return (double)node;
        if (type == typeof(float)) return (float)node;
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
        if (type == typeof(ILearningRateSchedule))
            return Create<ILearningRateSchedule>((JsonObject)node, customTypes, new Dictionary<string, object?>(), source);
        throw Bad(source, $"cannot read an argument of type {type.Name}");
    }

    /// <summary>The problem with a file, naming the file.</summary>
    public static InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}.");
}
