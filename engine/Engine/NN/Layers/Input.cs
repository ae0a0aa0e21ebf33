using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// The per-sample shape of a model's input, channels first for images: <c>new Input(1, 28, 28)</c> for MNIST
/// batches of [N, 1, 28, 28]. First layer of a <see cref="Sequential"/>, or the start of a functional model,
/// where it converts to a <see cref="SymbolicTensor"/>.
/// </summary>
public sealed class Input : Layer
{
    /// <summary>An input of the given per-sample shape.</summary>
    /// <param name="shape">Per-sample dimensions, e.g. (1, 28, 28) or (784).</param>
    public Input(params int[] shape) : this(shape, null, null) { }

    /// <summary>An input of the given per-sample shape with a name and the seed the downstream layers initialise from.</summary>
    /// <param name="shape">Per-sample dimensions.</param>
    /// <param name="name">The layer name, or null for "input_…".</param>
    /// <param name="seed">Seed of the initial weights of the layers called on this input; null for the default.</param>
    public Input(int[] shape, string? name, ulong? seed = null) : base(name)
    {
        if (shape.Length == 0 || shape.Any(d => d <= 0))
            throw new ArgumentException($"Input: every dimension must be positive, got ({string.Join(", ", shape)}).");
        Shape = [.. shape];
        EnsureBuilt([Shape], null);
        Output = new SymbolicTensor(this, [], Shape, new Generator(seed ?? Sequential.DefaultSeed));
    }

    /// <summary>The per-sample shape.</summary>
    public int[] Shape { get; }

    /// <summary>The symbolic tensor that stands for this input in a functional model.</summary>
    public SymbolicTensor Output { get; }

    /// <summary>The input's symbolic tensor.</summary>
    /// <param name="input">The input.</param>
    public static implicit operator SymbolicTensor(Input input) => input.Output;

    /// <inheritdoc/>
    public override string TypeName => "InputLayer";

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training)
    {
        if (!PerSample(input).SequenceEqual(Shape))
            throw new ArgumentException($"{Name}: expected batches of per-sample shape {Format(Shape)}, got {input.Shape}.");
        return input;
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => inputShapes[0];
}
