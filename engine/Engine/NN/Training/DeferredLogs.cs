using System.Collections;

namespace Engine.NN;

/// <summary>
/// The logs of a batch whose values may still be on the device: the names are known at once, the values are read
/// (all together, one wait for the device) only when something first asks for one, and they stay those of the
/// batch they were taken after, however late they are read. So a training step that nobody watches never waits.
/// </summary>
internal sealed class DeferredLogs : IReadOnlyDictionary<string, double>
{
    private readonly string[] _names;
    private readonly MetricReading[] _readings;
    private Dictionary<string, double>? _values;

    /// <summary>Logs of the named readings, in this order.</summary>
    /// <param name="entries">Each log's name and reading.</param>
    public DeferredLogs(IEnumerable<(string Name, MetricReading Reading)> entries)
    {
        var list = entries.ToList();
        _names = list.Select(e => e.Name).ToArray();
        _readings = list.Select(e => e.Reading).ToArray();
    }

    /// <summary>Whether the values have been brought to the host.</summary>
    public bool IsRead => _values is not null;

    /// <inheritdoc/>
    public double this[string key] => Values[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _names;

    /// <inheritdoc/>
    IEnumerable<double> IReadOnlyDictionary<string, double>.Values => Values.Values;

    /// <inheritdoc/>
    public int Count => _names.Length;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => Array.IndexOf(_names, key) >= 0;

    /// <inheritdoc/>
    public bool TryGetValue(string key, out double value)
    {
        value = 0;
        return ContainsKey(key) && Values.TryGetValue(key, out value);
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<string, double> Values => _values ??= Read();

    private Dictionary<string, double> Read()
    {
        var values = MetricReading.ReadAll(_readings);
        var logs = new Dictionary<string, double>(_names.Length);
        for (int i = 0; i < _names.Length; i++) logs[_names[i]] = values[i];
        return logs;
    }
}
