using System.Globalization;
using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A model's random state as JSON and back: the generator <c>Fit</c> shuffles with, and the generator of every layer
/// that draws while training (Dropout), keyed by the layer's path ("dropout", "inner/dropout"). A generator's state is
/// {"words": four 64-bit words as 16 hex digits, "spareNormal": the kept Box–Muller value or null}: hex because JSON
/// readers that parse numbers as doubles would round a 64-bit word.
/// </summary>
internal static class RandomStateConfig
{
    /// <summary>{"shuffle": state, "layers": {path: state, …}}.</summary>
    public static JsonObject Describe(Generator shuffle, IReadOnlyList<(string Path, Generator Generator)> layers)
    {
        var states = new JsonObject();
        foreach (var (path, generator) in layers) states[path] = ToJson(generator.State);
        return new JsonObject { ["shuffle"] = ToJson(shuffle.State), ["layers"] = states };
    }

    /// <summary>
    /// Puts the saved states into the generators, after checking that the file has a state for exactly these layers
    /// (a mismatch changes nothing).
    /// </summary>
    public static void Restore(JsonObject random, Generator shuffle, IReadOnlyList<(string Path, Generator Generator)> layers, string source)
    {
        var saved = random["layers"] as JsonObject ?? throw ConstructorConfig.Bad(source, "the random state has no \"layers\" object");
        var paths = layers.Select(l => l.Path).ToHashSet();
        var missing = paths.Where(p => !saved.ContainsKey(p)).ToList();
        var extra = saved.Select(s => s.Key).Where(k => !paths.Contains(k)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw ConstructorConfig.Bad(source, $"the random state does not match the architecture's random layers (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", extra)})");
        var shuffleState = FromJson(random["shuffle"], "the shuffle generator", source);
        var layerStates = layers.Select(l => FromJson(saved[l.Path], $"layer {l.Path}", source)).ToList();
        shuffle.Restore(shuffleState);
        for (int i = 0; i < layers.Count; i++) layers[i].Generator.Restore(layerStates[i]);
    }

    private static JsonObject ToJson(GeneratorState state) => new()
    {
        ["words"] = new JsonArray(new[] { state.S0, state.S1, state.S2, state.S3 }.Select(w => (JsonNode)w.ToString("X16", CultureInfo.InvariantCulture)).ToArray()),
        ["spareNormal"] = state.SpareNormal,
    };

    private static GeneratorState FromJson(JsonNode? node, string owner, string source)
    {
        var words = (node?["words"] as JsonArray)?.Select(w => ulong.TryParse((string?)w, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var word) ? word : (ulong?)null).ToList();
        if (words is not { Count: 4 } || words.Any(w => w is null))
            throw ConstructorConfig.Bad(source, $"the random state of {owner} is not four 64-bit hex words");
        var spare = node!["spareNormal"];
        var state = new GeneratorState(words[0]!.Value, words[1]!.Value, words[2]!.Value, words[3]!.Value, spare is null ? null : (double)spare);
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0 || state.SpareNormal is double s && !double.IsFinite(s))
            throw ConstructorConfig.Bad(source, $"the random state of {owner} is not a state a generator can be in");
        return state;
    }
}
