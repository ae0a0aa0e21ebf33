using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A fully connected layer: y = activation(x · kernel + bias) over the last axis, kernel [inputs, units]
/// (Keras's layout). Parameters: inputs·units + units.
/// </summary>
public sealed class Dense : Layer, IActivatedLayer
{
    /// <summary>A dense layer.</summary>
    /// <param name="units">Output features.</param>
    /// <param name="activation">Applied to the output; null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="kernelRegularizer">Optional penalty on the kernel.</param>
    /// <param name="name">The layer name.</param>
    public Dense(int units, Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, Regularizer? kernelRegularizer = null, string? name = null) : base(name)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "Dense: units must be positive.");
        Units = units;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <inheritdoc/>
    public Activation Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernel starts.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>How the bias starts.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The kernel penalty, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>[inputs, units], after Build.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>[units], after Build when <see cref="UseBias"/>.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length == 0) throw new ArgumentException($"{Name} (Dense): needs inputs with a feature axis, got per-sample shape ().");
        int inputs = inputShape[^1];
        Kernel = AddWeight("kernel", new Shape(inputs, Units), KernelInitializer, (inputs, Units), KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", new Shape(Units), BiasInitializer, (inputs, Units));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Activation.Apply(ForwardLinear(input, training));

    /// <inheritdoc/>
    public Tensor ForwardLinear(Tensor input, bool training)
    {
        var y = input.MatMul(Kernel!);
        return Bias is null ? y : y + Bias;
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => [.. inputShapes[0][..^1], Units];
}

/// <summary>A layer that ends in an activation, so a model can fuse a softmax or sigmoid output with its loss.</summary>
public interface IActivatedLayer
{
    /// <summary>The activation applied last.</summary>
    Activation Activation { get; }

    /// <summary>The layer's output before the activation (the logits of a softmax or sigmoid layer).</summary>
    /// <param name="input">The batch.</param>
    /// <param name="training">True during training.</param>
    Tensor ForwardLinear(Tensor input, bool training);
}
