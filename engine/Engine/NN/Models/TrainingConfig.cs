using System.Text.Json.Nodes;

namespace Engine.NN;

/// <summary>
/// A model's compile configuration as JSON and back: the optimizer (type, constructor arguments including its
/// learning-rate schedule, clipping), the loss (type and arguments, such as fromLogits) and the metric names.
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

    /// <summary>{"optimizer": {type, config, clip…}, "loss": {type, config}, "metrics": [names]}.</summary>
    public static JsonObject Describe(Optimizer optimizer, Loss loss, IReadOnlyList<Metric> metrics)
    {
        var unknown = metrics.FirstOrDefault(m => !BuiltInMetrics().Any(b => b.Name == m.Name));
        if (unknown is not null)
            throw new ArgumentException($"Save: metric '{unknown.Name}' ({unknown.GetType().Name}) is not built in; only built-in metrics are saved with the optimizer.");
        var description = ConstructorConfig.Describe(optimizer, OptimizerBoundArguments);
        description["clipNorm"] = optimizer.ClipNorm;
        description["clipValue"] = optimizer.ClipValue;
        description["globalClipNorm"] = optimizer.GlobalClipNorm;
        return new JsonObject
        {
            ["optimizer"] = description,
            ["loss"] = ConstructorConfig.Describe(loss, []),
            ["metrics"] = new JsonArray(metrics.Select(m => (JsonNode)m.Name).ToArray()),
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
        var metrics = (training["metrics"] as JsonArray ?? []).Select(n => (string?)n).Select(name =>
            BuiltInMetrics().FirstOrDefault(m => m.Name == name) ?? throw ConstructorConfig.Bad(source, $"the metric '{name}' is not built in")).ToList();
        return (optimizer, loss, metrics);
    }
}
