namespace Engine.Tensors;

/// <summary>
/// One entry of a tensor indexer: an integer (selects and drops the axis), a C# range (keeps the axis),
/// or a stepped slice. Converts implicitly from <see cref="int"/>, <see cref="Index"/> and <see cref="Range"/>,
/// so <c>t[0, .., 2..^1]</c> works.
/// </summary>
public readonly struct TensorIndex
{
    private TensorIndex(Index? single, Range range, int step)
    {
        Single = single;
        Range = range;
        Step = step;
    }

    internal Index? Single { get; }
    internal Range Range { get; }
    internal int Step { get; }

    /// <summary>Every element with the given positive step, e.g. <c>TensorIndex.Slice(.., 2)</c>.</summary>
    public static TensorIndex Slice(Range range, int step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, "TensorIndex.Slice: step must be positive.");
        return new TensorIndex(null, range, step);
    }

    /// <summary>Selects one position along the axis and removes the axis.</summary>
    public static implicit operator TensorIndex(int index) => new(index < 0 ? Index.FromEnd(-index) : Index.FromStart(index), default, 1);

    /// <summary>Selects one position along the axis and removes the axis.</summary>
    public static implicit operator TensorIndex(Index index) => new(index, default, 1);

    /// <summary>Keeps the axis, restricted to <paramref name="range"/>.</summary>
    public static implicit operator TensorIndex(Range range) => new(null, range, 1);
}
