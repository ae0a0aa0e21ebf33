using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Zeroes a fraction <see cref="Rate"/> of the inputs during training and scales the rest by 1/(1 − rate); the
/// identity at inference. Masks come from the layer's own generator, seeded from the model's seed when the layer is
/// built; <c>Model.Save(path, includeOptimizer: true)</c> stores its state, so resumed training draws the same masks.
/// No parameters.
/// </summary>
public sealed class Dropout : Layer, IMaskedLayer
{
    private Generator? _generator;

    /// <summary>A dropout layer.</summary>
    /// <param name="rate">Fraction dropped, in [0, 1).</param>
    /// <param name="name">The layer name.</param>
    public Dropout(double rate, string? name = null) : base(name)
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout: rate must be in [0, 1).");
        Rate = rate;
    }

    /// <summary>Fraction dropped.</summary>
    public double Rate { get; }

    /// <summary>Where the masks come from: made when the layer is built, null before.</summary>
    internal Generator? MaskGenerator => _generator;

    Generator? IMaskedLayer.MaskGenerator => _generator;

    /// <inheritdoc/>
    protected override void Build(int[] inputShape) => _generator = new Generator(BuildGenerator.NextUInt64());

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.Dropout(Rate, training, _generator);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => inputShapes[0];
}

/// <summary>
/// Batch normalisation over the channel axis (axis 1: features of [N, F], channels of [N, C, …]): normalises with
/// the batch statistics in training and the moving averages at inference, then scales by gamma and shifts by
/// beta. Parameters 4·C, of which the moving mean and variance (2·C) are not trainable — as Keras counts them.
/// </summary>
public sealed class BatchNormalization : Layer
{
    /// <summary>A batch-normalisation layer with Keras's defaults.</summary>
    /// <param name="momentum">Moving average factor: moving = momentum·moving + (1 − momentum)·batch (Keras's convention).</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="center">Whether to learn beta.</param>
    /// <param name="scale">Whether to learn gamma.</param>
    /// <param name="name">The layer name.</param>
    public BatchNormalization(double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true, string? name = null) : base(name)
    {
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "BatchNormalization: momentum must be in [0, 1].");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "BatchNormalization: epsilon must be positive.");
        Momentum = momentum; Epsilon = epsilon; Center = center; Scale = scale;
    }

    /// <summary>Moving average factor (Keras's convention).</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether beta is learned.</summary>
    public bool Center { get; }

    /// <summary>Whether gamma is learned.</summary>
    public bool Scale { get; }

    /// <summary>gamma [C], or null.</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>beta [C], or null.</summary>
    public Tensor? Beta { get; private set; }

    /// <summary>The moving mean [C].</summary>
    public Tensor? MovingMean { get; private set; }

    /// <summary>The moving variance [C].</summary>
    public Tensor? MovingVariance { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length == 0) throw new ArgumentException($"{Name} (BatchNormalization): needs a channel axis, got per-sample shape ().");
        int channels = inputShape[0];
        var shape = new Shape(channels);
        if (Scale) Gamma = AddWeight("gamma", shape, Initializer.Ones, (channels, channels));
        if (Center) Beta = AddWeight("beta", shape, Initializer.Zeros, (channels, channels));
        MovingMean = AddWeight("moving_mean", shape, Initializer.Zeros, (channels, channels), trainable: false);
        MovingVariance = AddWeight("moving_variance", shape, Initializer.Ones, (channels, channels), trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) =>
        input.BatchNorm(MovingMean, MovingVariance, Gamma, Beta, training, momentum: 1 - Momentum, eps: Epsilon);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => inputShapes[0];
}

/// <summary>
/// Layer normalisation over the last axis of each sample, with a learned scale and shift of that axis's size
/// (Keras's default axis −1). Parameters 2·D.
/// </summary>
public sealed class LayerNormalization : Layer
{
    /// <summary>A layer-normalisation layer.</summary>
    /// <param name="epsilon">Added to the variance (Keras's default 1e-3).</param>
    /// <param name="name">The layer name.</param>
    public LayerNormalization(double epsilon = 1e-3, string? name = null) : base(name)
    {
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "LayerNormalization: epsilon must be positive.");
        Epsilon = epsilon;
    }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>gamma [D].</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>beta [D].</summary>
    public Tensor? Beta { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length == 0) throw new ArgumentException($"{Name} (LayerNormalization): needs a feature axis, got per-sample shape ().");
        int d = inputShape[^1];
        Gamma = AddWeight("gamma", new Shape(d), Initializer.Ones, (d, d));
        Beta = AddWeight("beta", new Shape(d), Initializer.Zeros, (d, d));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.LayerNorm(1, Gamma, Beta, Epsilon);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => inputShapes[0];
}
