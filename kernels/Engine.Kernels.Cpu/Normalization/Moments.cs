using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Count, mean and sum of squared deviations (M2) of a set of values, in double. Values are added one by
/// one with Welford's update and whole sets merged with Chan's parallel formula, so neither step forms
/// E[x²] − E[x]², which loses every digit when the mean is large next to the spread.
/// </summary>
internal struct Moments
{
    public long Count;
    public double Mean;
    public double M2;

    public Moments(long count, double mean, double m2)
    {
        Count = count;
        Mean = mean;
        M2 = m2;
    }

    /// <summary>The biased (population) variance M2 / n; 0 for an empty set.</summary>
    public readonly double Variance => Count == 0 ? 0 : M2 / Count;

    /// <summary>Welford's update with one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double value)
    {
        Count++;
        double delta = value - Mean;
        Mean += delta / Count;
        M2 += delta * (value - Mean);
    }

    /// <summary>Chan's merge: the moments of the union of this set and <paramref name="other"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Merge(in Moments other)
    {
        if (other.Count == 0) return;
        if (Count == 0)
        {
            this = other;
            return;
        }
        long total = Count + other.Count;
        double delta = other.Mean - Mean;
        double share = (double)other.Count / total;
        Mean += delta * share;
        M2 += other.M2 + delta * delta * Count * share;
        Count = total;
    }
}
