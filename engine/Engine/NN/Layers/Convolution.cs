using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// 2-D convolution over channels-first images [N, C, H, W] → [N, filters, OH, OW] with a kernel
/// [filters, C/groups, kh, kw] and a bias [filters]. Parameters: filters·C/groups·kh·kw + filters.
/// </summary>
/// <remarks>Channels come first (the engine's layout); Keras's default is channels last.</remarks>
public sealed class Conv2D : Layer, IActivatedLayer
{
    /// <summary>A 2-D convolution layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel (height, width), or one int for both.</param>
    /// <param name="strides">Step between outputs; default 1.</param>
    /// <param name="padding">Valid (the default, as in Keras), Same, or explicit.</param>
    /// <param name="dilation">Step between kernel taps; default 1.</param>
    /// <param name="groups">Channel groups (groups = channels for a depthwise convolution).</param>
    /// <param name="activation">Applied to the output; null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="kernelRegularizer">Optional penalty on the kernel.</param>
    /// <param name="name">The layer name.</param>
    public Conv2D(int filters, Size2D kernelSize, Size2D? strides = null, ConvPadding padding = default, Size2D? dilation = null,
        int groups = 1, Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, Regularizer? kernelRegularizer = null, string? name = null) : base(name)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv2D: filters must be positive.");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides ?? 1;
        Padding = padding;
        Dilation = dilation ?? 1;
        Groups = groups;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel (height, width).</summary>
    public Size2D KernelSize { get; }

    /// <summary>Step between outputs.</summary>
    public Size2D Strides { get; }

    /// <summary>How the input is padded.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Step between kernel taps.</summary>
    public Size2D Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

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

    /// <summary>[filters, C/groups, kh, kw], after Build.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>[filters], after Build when <see cref="UseBias"/>.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length != 3) throw new ArgumentException($"{Name} (Conv2D): needs per-sample inputs (C, H, W), got {Format(inputShape)}.");
        if (inputShape[2] <= 4 && inputShape[0] > 4 && inputShape[1] > 4)
            throw new ArgumentException($"{Name} (Conv2D): per-sample input {Format(inputShape)} looks channels-last (H, W, C); layers here take "
                + $"channels first: use Input({inputShape[2]}, {inputShape[0]}, {inputShape[1]}) and permute the data with x.Permute(0, 3, 1, 2).");
        int channels = inputShape[0];
        if (channels % Groups != 0 || Filters % Groups != 0)
            throw new ArgumentException($"{Name} (Conv2D): {channels} input channels and {Filters} filters must both be divisible by groups {Groups}.");
        int area = KernelSize.Height * KernelSize.Width;
        Kernel = AddWeight("kernel", new Shape(Filters, channels / Groups, KernelSize.Height, KernelSize.Width), KernelInitializer,
            (channels / Groups * area, Filters * area), KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), BiasInitializer, (channels / Groups * area, Filters * area));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Activation.Function == "relu"
        ? input.Conv2dRelu(Kernel!, Bias, Strides.Tuple, Padding, Dilation.Tuple, Groups) // one pass instead of two
        : Activation.Apply(ForwardLinear(input, training));

    /// <inheritdoc/>
    public Tensor ForwardLinear(Tensor input, bool training) =>
        input.Conv2d(Kernel!, Bias, Strides.Tuple, Padding, Dilation.Tuple, Groups);
}

/// <summary>
/// 1-D convolution over channels-first sequences [N, C, L] → [N, filters, OL] with a kernel [filters, C/groups, k].
/// </summary>
public sealed class Conv1D : Layer, IActivatedLayer
{
    /// <summary>A 1-D convolution layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="strides">Step between outputs.</param>
    /// <param name="padding">Valid (default), Same, an int or explicit (before, after).</param>
    /// <param name="dilation">Step between kernel taps.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="activation">Applied to the output; null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="kernelRegularizer">Optional penalty on the kernel.</param>
    /// <param name="name">The layer name.</param>
    public Conv1D(int filters, int kernelSize, int strides = 1, ConvPadding padding = default, int dilation = 1, int groups = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Regularizer? kernelRegularizer = null,
        string? name = null) : base(name)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv1D: filters must be positive.");
        Filters = filters; KernelSize = kernelSize; Strides = strides; Padding = padding; Dilation = dilation; Groups = groups;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        KernelRegularizer = kernelRegularizer;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }

    /// <summary>Step between outputs.</summary>
    public int Strides { get; }

    /// <summary>How the input is padded.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Step between kernel taps.</summary>
    public int Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <inheritdoc/>
    public Activation Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernel starts.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The kernel penalty, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>[filters, C/groups, k], after Build.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>[filters], after Build when <see cref="UseBias"/>.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length != 2) throw new ArgumentException($"{Name} (Conv1D): needs per-sample inputs (C, L), got {Format(inputShape)}.");
        int channels = inputShape[0];
        if (channels % Groups != 0 || Filters % Groups != 0)
            throw new ArgumentException($"{Name} (Conv1D): {channels} input channels and {Filters} filters must both be divisible by groups {Groups}.");
        Kernel = AddWeight("kernel", new Shape(Filters, channels / Groups, KernelSize), KernelInitializer,
            (channels / Groups * KernelSize, Filters * KernelSize), KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), Initializer.Zeros, (channels / Groups * KernelSize, Filters * KernelSize));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Activation.Apply(ForwardLinear(input, training));

    /// <inheritdoc/>
    public Tensor ForwardLinear(Tensor input, bool training) => input.Conv1d(Kernel!, Bias, Strides, Padding, Dilation, Groups);
}

/// <summary>
/// Transposed 2-D convolution (learned upsampling, as in decoders and GAN generators) over [N, C, H, W] with a
/// kernel [C, filters, kh, kw]; with Same padding the output is [N, filters, H·stride, W·stride].
/// </summary>
public sealed class Conv2DTranspose : Layer, IActivatedLayer
{
    /// <summary>A transposed convolution layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel (height, width), or one int.</param>
    /// <param name="strides">Upsampling factor; default 1.</param>
    /// <param name="padding">Valid (default) or Same, or explicit cells removed per side.</param>
    /// <param name="outputPadding">Extra cells after the output (each less than the stride).</param>
    /// <param name="activation">Applied to the output; null for linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="name">The layer name.</param>
    public Conv2DTranspose(int filters, Size2D kernelSize, Size2D? strides = null, ConvPadding padding = default, Size2D? outputPadding = null,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, string? name = null) : base(name)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv2DTranspose: filters must be positive.");
        Filters = filters; KernelSize = kernelSize; Strides = strides ?? 1; Padding = padding; OutputPadding = outputPadding ?? 0;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel (height, width).</summary>
    public Size2D KernelSize { get; }

    /// <summary>Upsampling factor.</summary>
    public Size2D Strides { get; }

    /// <summary>Padding removed from the full output, or Same.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Extra cells after the output.</summary>
    public Size2D OutputPadding { get; }

    /// <inheritdoc/>
    public Activation Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernel starts.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>[C, filters, kh, kw], after Build.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>[filters], after Build when <see cref="UseBias"/>.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length != 3) throw new ArgumentException($"{Name} (Conv2DTranspose): needs per-sample inputs (C, H, W), got {Format(inputShape)}.");
        int channels = inputShape[0], area = KernelSize.Height * KernelSize.Width;
        Kernel = AddWeight("kernel", new Shape(channels, Filters, KernelSize.Height, KernelSize.Width), KernelInitializer, (Filters * area, channels * area));
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), Initializer.Zeros, (Filters * area, channels * area));
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Activation.Apply(ForwardLinear(input, training));

    /// <inheritdoc/>
    public Tensor ForwardLinear(Tensor input, bool training) =>
        input.ConvTranspose2d(Kernel!, Bias, Strides.Tuple, Padding, OutputPadding.Tuple);
}
