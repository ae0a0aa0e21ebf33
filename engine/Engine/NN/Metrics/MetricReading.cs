using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Counters a metric accumulates on the device its batches live on. Each <see cref="Add"/> is a tensor op queued
/// there and makes a new sums tensor (never written in place), so a <see cref="Current"/> taken now keeps its
/// values however many batches follow; nothing comes back to the host until a <see cref="MetricReading"/> is read.
/// </summary>
/// <param name="length">How many counters.</param>
internal sealed class DeviceCounters(int length)
{
    private Tensor? _sums;

    /// <summary>How many counters.</summary>
    public int Length => length;

    /// <summary>The sums so far, float64 [Length] on the batches' device, or null before the first batch.</summary>
    public Tensor? Current => _sums;

    /// <summary>Adds one batch's counts (Length values of any dtype, on the batches' device).</summary>
    /// <param name="counts">The batch's counts.</param>
    public void Add(Tensor counts)
    {
        if (counts.NumElements != length)
            throw new ArgumentException($"DeviceCounters.Add: {counts.Describe()} does not hold {length} counters.");
        using var scope = Autograd.NoGrad();
        var wide = counts.Detach().To(DType.Float64).Reshape(length);
        _sums = _sums is null ? wide : _sums + wide;
    }

    /// <summary>Forgets every batch.</summary>
    public void Reset() => _sums = null;

    /// <summary>A reading of the sums as they are now, turned into a value by <paramref name="result"/> on the host.</summary>
    /// <param name="result">The metric's formula over the counters (all zero before the first batch).</param>
    public MetricReading Reading(Func<double[], double> result) => new(_sums, length, result);
}

/// <summary>
/// A mean whose sum stays on the device and whose count (known from the shapes) on the host: accuracy (correct
/// predictions over predictions) and the mean errors (summed error over outputs). 0 before the first batch.
/// </summary>
internal sealed class DeviceMean
{
    private readonly DeviceCounters _sum = new(1);
    private long _count;

    /// <summary>Adds one batch: its summed values (one element, on the batches' device) and how many values they sum.</summary>
    /// <param name="sum">The batch's sum.</param>
    /// <param name="count">Values in the sum.</param>
    public void Add(Tensor sum, long count)
    {
        _sum.Add(sum);
        _count += count;
    }

    /// <summary>Forgets every batch.</summary>
    public void Reset()
    {
        _sum.Reset();
        _count = 0;
    }

    /// <summary>A reading of the mean as it is now.</summary>
    public MetricReading Reading()
    {
        long count = _count;
        return _sum.Reading(s => count == 0 ? 0 : s[0] / count);
    }
}

/// <summary>
/// A metric's value at one moment whose inputs may still be on the device: counters (or none) and the host formula
/// that turns them into the value. <see cref="ReadAll"/> brings the counters of many readings back in one copy per
/// device, so reading every log of a batch waits for the device once.
/// </summary>
internal sealed class MetricReading
{
    private readonly Tensor? _counters;
    private readonly int _length;
    private readonly Func<double[], double> _result;

    /// <summary>A reading of <paramref name="length"/> counters (null: all zero) and the formula over them.</summary>
    /// <param name="counters">Float64 [length] on any device, or null.</param>
    /// <param name="length">How many counters.</param>
    /// <param name="result">The value from the counters.</param>
    public MetricReading(Tensor? counters, int length, Func<double[], double> result)
    {
        _counters = counters;
        _length = length;
        _result = result;
    }

    /// <summary>A value already on the host.</summary>
    /// <param name="value">The value.</param>
    public static MetricReading Known(double value) => new(null, 0, _ => value);

    /// <summary>The value, reading this reading's counters alone.</summary>
    public double Read() => ReadAll([this])[0];

    /// <summary>Every reading's value, with one device-to-host copy per device that holds counters.</summary>
    /// <param name="readings">The readings.</param>
    public static double[] ReadAll(IReadOnlyList<MetricReading> readings)
    {
        var counters = new double[readings.Count][];
        var pending = Enumerable.Range(0, readings.Count).Where(i => readings[i]._counters is not null);
        foreach (var onDevice in pending.GroupBy(i => readings[i]._counters!.Device))
        {
            var indices = onDevice.ToArray();
            var values = Concatenated(indices.Select(i => readings[i]._counters!).ToList()).ToArray<double>();
            int at = 0;
            foreach (int i in indices)
            {
                counters[i] = values.AsSpan(at, readings[i]._length).ToArray();
                at += readings[i]._length;
            }
        }
        return readings.Select((r, i) => r._result(counters[i] ?? new double[r._length])).ToArray();
    }

    private static Tensor Concatenated(IReadOnlyList<Tensor> parts)
    {
        using var scope = Autograd.NoGrad();
        return parts.Count == 1 ? parts[0] : Tensor.Concat(parts);
    }
}
