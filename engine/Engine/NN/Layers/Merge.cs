using Engine.Tensors;

namespace Engine.NN;

/// <summary>Adds its inputs elementwise (all of one shape): residual connections in functional models.</summary>
public sealed class Add(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input;

    /// <inheritdoc/>
    protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count < 2) throw new ArgumentException($"{Name} (Add): needs at least two inputs, got {inputs.Count}.");
        var sum = inputs[0];
        for (int i = 1; i < inputs.Count; i++)
        {
            if (!inputs[i].Shape.Equals(inputs[0].Shape))
                throw new ArgumentException($"{Name} (Add): inputs must have one shape, got {inputs[0].Shape} and {inputs[i].Shape}.");
            sum += inputs[i];
        }
        return sum;
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        foreach (var s in inputShapes.Skip(1))
            if (!s.SequenceEqual(inputShapes[0]))
                throw new ArgumentException($"{Name} (Add): inputs must have one shape, got {Format(inputShapes[0])} and {Format(s)}.");
        return inputShapes[0];
    }
}

/// <summary>Joins its inputs along a per-sample axis (default the last, as in Keras).</summary>
/// <param name="axis">The per-sample axis (negative counts from the end); the batch axis cannot be chosen.</param>
/// <param name="name">The layer name.</param>
public sealed class Concatenate(int axis = -1, string? name = null) : Layer(name)
{
    /// <summary>The per-sample axis joined along.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input;

    /// <inheritdoc/>
    protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        int rank = inputs[0].Rank;
        int axis = Axis < 0 ? rank + Axis : Axis + 1;
        if (axis <= 0 || axis >= rank) throw new ArgumentException($"{Name} (Concatenate): axis {Axis} is not a per-sample axis of {inputs[0].Shape}.");
        return Tensor.Concat(inputs, axis);
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        int rank = inputShapes[0].Length;
        int axis = Axis < 0 ? rank + Axis : Axis;
        if (axis < 0 || axis >= rank) throw new ArgumentException($"{Name} (Concatenate): axis {Axis} is out of range for per-sample {Format(inputShapes[0])}.");
        var shape = (int[])inputShapes[0].Clone();
        foreach (var s in inputShapes.Skip(1))
        {
            if (s.Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && s[d] != shape[d]))
                throw new ArgumentException($"{Name} (Concatenate): {Format(inputShapes[0])} and {Format(s)} differ off axis {Axis}.");
            shape[axis] += s[axis];
        }
        return shape;
    }
}
