using System.Text.Json.Nodes;

namespace Engine.NN;

/// <summary>
/// A model's compile configuration as JSON and back: the optimizer (type, constructor arguments including its
/// learning-rate schedule, clipping), the loss (type and arguments, such as fromLogits) and the metrics: built-in
/// ones by name, user-defined ones by type and constructor arguments, restored through the custom types given to
/// Load (as Keras's custom_objects).
/// </summary>
internal static class TrainingConfig
{
    private static readonly string[] OptimizerBoundArguments = ["parameters"];

    /// <summary>The metrics a saved name can stand for.</summary>
    private static IEnumerable<Metric> BuiltInMetrics() =>
    [
        Metric.Accuracy, Metric.BinaryAccuracy, Metric.CategoricalAccuracy, Metric.SparseCategoricalAccuracy,
        Metric.Precision, Metric.Recall, Metric.AUC, Metric.MeanAbsoluteError, Metric.MeanSquaredError,
    ];

    /// <summary>{"optimizer": {type, config, clip…}, "loss": {type, config}, "metrics": [name or {type, config}]}.</summary>
    public static JsonObject Describe(Optimizer optimizer, Loss loss, IReadOnlyList<Metric> metrics)
    {
        var description = ConstructorConfig.Describe(optimizer, OptimizerBoundArguments);
        description["clipNorm"] = optimizer.ClipNorm;
        description["clipValue"] = optimizer.ClipValue;
        description["globalClipNorm"] = optimizer.GlobalClipNorm;
        return new JsonObject
        {
            ["optimizer"] = description,
            ["loss"] = ConstructorConfig.Describe(loss, []),
            ["metrics"] = new JsonArray(metrics.Select(DescribeMetric).ToArray()),
        };
    }

    /// <summary>A fresh optimizer (no state yet, no parameters bound), loss and metrics as described.</summary>
    public static (Optimizer Optimizer, Loss Loss, List<Metric> Metrics) Create(JsonObject training, IReadOnlyList<Type> customTypes, string source)
    {
        var optimizerDescription = training["optimizer"] as JsonObject ?? throw ConstructorConfig.Bad(source, "the training configuration has no optimizer");
        var optimizer = ConstructorConfig.Create<Optimizer>(optimizerDescription, customTypes,
            new Dictionary<string, object?> { ["parameters"] = null }, source);
        optimizer.ClipNorm = (double?)optimizerDescription["clipNorm"];
        optimizer.ClipValue = (double?)optimizerDescription["clipValue"];
        optimizer.GlobalClipNorm = (double?)optimizerDescription["globalClipNorm"];
        var loss = ConstructorConfig.Create<Loss>(training["loss"] as JsonObject ?? throw ConstructorConfig.Bad(source, "the training configuration has no loss"),
            customTypes, new Dictionary<string, object?>(), source);
        var metrics = (training["metrics"] as JsonArray ?? []).Select(node => CreateMetric(node, customTypes, source)).ToList();
        return (optimizer, loss, metrics);
    }

    /// <summary>A built-in metric as its name; any other as {type, config} (its constructor arguments).</summary>
    private static JsonNode DescribeMetric(Metric metric) =>
        BuiltInMetrics().Any(b => b.Name == metric.Name && b.GetType() == metric.GetType())
            ? JsonValue.Create(metric.Name)
            : ConstructorConfig.Describe(metric, []);

    private static Metric CreateMetric(JsonNode? node, IReadOnlyList<Type> customTypes, string source)
    {
        if (node is JsonObject description)
            return ConstructorConfig.Create<Metric>(description, customTypes, new Dictionary<string, object?>(), source);
        string? name = node is JsonValue value && value.TryGetValue(out string? text) ? text : null;
        return BuiltInMetrics().FirstOrDefault(m => m.Name == name)
            ?? throw ConstructorConfig.Bad(source, $"the metric '{name ?? node?.ToJsonString()}' is not built in");
    }
}
