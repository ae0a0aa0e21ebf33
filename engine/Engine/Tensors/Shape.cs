using System.Collections;

namespace Engine.Tensors;

/// <summary>The immutable list of a tensor's dimension sizes, with the NumPy broadcasting rules.</summary>
public sealed class Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    private readonly int[] _dims;

    /// <summary>Creates a shape; every size must be ≥ 0.</summary>
    public Shape(params int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Shape {Format(dims)}: sizes must be non-negative.");
        _dims = (int[])dims.Clone();
        long n = 1;
        foreach (var d in _dims) n = checked(n * d);
        NumElements = n;
    }

    /// <summary>The shape of a scalar (rank 0).</summary>
    public static Shape Scalar { get; } = new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>Number of elements (the product of the sizes; 1 for a scalar).</summary>
    public long NumElements { get; }

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[NormalizeAxis(axis, Rank, "Shape")];

    /// <inheritdoc/>
    public int Count => _dims.Length;

    /// <summary>A copy of the sizes.</summary>
    public int[] ToArray() => (int[])_dims.Clone();

    internal ReadOnlySpan<int> AsSpan() => _dims;

    /// <summary>Row-major (C-order) strides in elements for this shape.</summary>
    public long[] ContiguousStrides()
    {
        var strides = new long[_dims.Length];
        long s = 1;
        for (int i = _dims.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(1, _dims[i]);
        }
        return strides;
    }

    /// <summary>The broadcast of two shapes under NumPy's rules (align right; sizes equal or 1).</summary>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast; the message names both.</exception>
    public static Shape Broadcast(Shape a, Shape b, string op = "broadcast")
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a._dims[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b._dims[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i}: {da} vs {db}).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>Turns a possibly negative axis into 0…rank-1, or throws naming the op, axis and rank.</summary>
    public static int NormalizeAxis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op}: axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>NumPy-style text, e.g. <c>(2, 3)</c> or <c>(5,)</c>.</summary>
    public override string ToString() => Format(_dims);

    private static string Format(int[] dims) => dims.Length == 1 ? $"({dims[0]},)" : "(" + string.Join(", ", dims) + ")";

    /// <summary>Creates a shape from sizes.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);
}
