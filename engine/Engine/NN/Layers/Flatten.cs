using Engine.Tensors;

namespace Engine.NN;

/// <summary>Flattens each sample to one axis: [N, d1, d2, …] → [N, d1·d2·…]. No parameters.</summary>
public sealed class Flatten(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) =>
        input.Reshape(input.Shape[0], checked((int)(input.NumElements / Math.Max(1, input.Shape[0]))));

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) =>
        [inputShapes[0].Aggregate(1, (a, d) => checked(a * d))];
}

/// <summary>Reshapes each sample: [N, …] → [N, targetShape…]; one target dimension may be −1 (inferred).</summary>
public sealed class Reshape : Layer
{
    /// <summary>A reshape to the given per-sample shape.</summary>
    /// <param name="targetShape">Per-sample dimensions; at most one −1.</param>
    public Reshape(params int[] targetShape) : this(targetShape, null) { }

    /// <summary>A named reshape to the given per-sample shape.</summary>
    /// <param name="targetShape">Per-sample dimensions; at most one −1.</param>
    /// <param name="name">The layer name, or null for "reshape…".</param>
    public Reshape(int[] targetShape, string? name) : base(name) => TargetShape = [.. targetShape];

    /// <summary>The per-sample target shape as given (may hold −1).</summary>
    public int[] TargetShape { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.Reshape([input.Shape[0], .. TargetShape]);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        long size = inputShapes[0].Aggregate(1L, (a, d) => a * d);
        long known = TargetShape.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        int unknown = TargetShape.Count(d => d == -1);
        if (unknown > 1 || TargetShape.Any(d => d == 0 || d < -1) || (unknown == 0 ? known != size : known == 0 || size % known != 0))
            throw new ArgumentException($"{Name} (Reshape): cannot reshape per-sample {Format(inputShapes[0])} to ({string.Join(", ", TargetShape)}).");
        return TargetShape.Select(d => d == -1 ? (int)(size / known) : d).ToArray();
    }
}
