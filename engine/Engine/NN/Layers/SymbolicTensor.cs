using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A placeholder for a batch in a functional model: which layer produces it from which inputs, and its
/// per-sample shape. Made by <see cref="Input"/> and by calling a layer on other symbolic tensors.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(Layer producer, IReadOnlyList<SymbolicTensor> inputs, int[] shape, Generator? generator)
    {
        Producer = producer;
        Inputs = inputs;
        Shape = shape;
        Generator = generator;
    }

    /// <summary>The layer whose output this is.</summary>
    public Layer Producer { get; }

    /// <summary>The symbolic inputs of <see cref="Producer"/> (empty for a model input).</summary>
    public IReadOnlyList<SymbolicTensor> Inputs { get; }

    /// <summary>The per-sample shape (no batch axis).</summary>
    public int[] Shape { get; }

    /// <summary>Where the layers downstream draw their initial weights from.</summary>
    internal Generator? Generator { get; }

    /// <inheritdoc/>
    public override string ToString() => $"SymbolicTensor {Layer.Format(Shape)} from {Producer.Name}";
}
