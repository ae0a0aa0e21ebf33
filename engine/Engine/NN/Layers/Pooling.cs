using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>Max pooling over [N, C, H, W]: the largest value of each window. No parameters.</summary>
/// <param name="poolSize">Window (height, width), or one int.</param>
/// <param name="strides">Step between windows; default the window size.</param>
/// <param name="padding">Cells of −∞ added on each side (at most half the window).</param>
/// <param name="name">The layer name.</param>
public sealed class MaxPool2D(Size2D poolSize, Size2D? strides = null, Size2D padding = default, string? name = null) : Layer(name)
{
    /// <summary>Window size.</summary>
    public Size2D PoolSize { get; } = poolSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides { get; } = strides ?? poolSize;

    /// <summary>Padding per side.</summary>
    public Size2D Padding { get; } = padding;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.MaxPool2d(PoolSize.Tuple, Strides.Tuple, Padding.Tuple);
}

/// <summary>Average pooling over [N, C, H, W]. No parameters.</summary>
/// <param name="poolSize">Window (height, width), or one int.</param>
/// <param name="strides">Step between windows; default the window size.</param>
/// <param name="padding">Zero cells added on each side (at most half the window).</param>
/// <param name="countIncludePad">Whether padded cells count in the average (false divides by the real cells, as Keras's "same").</param>
/// <param name="name">The layer name.</param>
public sealed class AveragePool2D(Size2D poolSize, Size2D? strides = null, Size2D padding = default, bool countIncludePad = false,
    string? name = null) : Layer(name)
{
    /// <summary>Window size.</summary>
    public Size2D PoolSize { get; } = poolSize;

    /// <summary>Step between windows.</summary>
    public Size2D Strides { get; } = strides ?? poolSize;

    /// <summary>Padding per side.</summary>
    public Size2D Padding { get; } = padding;

    /// <summary>Whether padded cells count in the average.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) =>
        input.AvgPool2d(PoolSize.Tuple, Strides.Tuple, Padding.Tuple, CountIncludePad);
}

/// <summary>Max pooling over sequences [N, C, L]. No parameters.</summary>
/// <param name="poolSize">Window length.</param>
/// <param name="strides">Step between windows; default the window length.</param>
/// <param name="padding">Cells of −∞ added at each end.</param>
/// <param name="name">The layer name.</param>
public sealed class MaxPool1D(int poolSize, int? strides = null, int padding = 0, string? name = null) : Layer(name)
{
    /// <summary>Window length.</summary>
    public int PoolSize { get; } = poolSize;

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Padding at each end.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.MaxPool1d(PoolSize, Strides, Padding);
}

/// <summary>Average pooling over sequences [N, C, L]. No parameters.</summary>
/// <param name="poolSize">Window length.</param>
/// <param name="strides">Step between windows; default the window length.</param>
/// <param name="padding">Zero cells added at each end.</param>
/// <param name="countIncludePad">Whether padded cells count in the average.</param>
/// <param name="name">The layer name.</param>
public sealed class AveragePool1D(int poolSize, int? strides = null, int padding = 0, bool countIncludePad = false, string? name = null) : Layer(name)
{
    /// <summary>Window length.</summary>
    public int PoolSize { get; } = poolSize;

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Padding at each end.</summary>
    public int Padding { get; } = padding;

    /// <summary>Whether padded cells count in the average.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.AvgPool1d(PoolSize, Strides, Padding, CountIncludePad);
}

/// <summary>The mean over every axis after the channels: [N, C, …] → [N, C]. No parameters.</summary>
/// <param name="name">The layer name.</param>
public sealed class GlobalAveragePool(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.GlobalAvgPool();
}

/// <summary>The maximum over every axis after the channels: [N, C, …] → [N, C]. No parameters.</summary>
/// <param name="name">The layer name.</param>
public sealed class GlobalMaxPool(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.GlobalMaxPool();
}

/// <summary>Upsamples [N, C, H, W] by integer factors, nearest or bilinear. No parameters.</summary>
/// <param name="size">Factors (height, width), or one int; default 2.</param>
/// <param name="interpolation">Nearest (default) or bilinear.</param>
/// <param name="name">The layer name.</param>
public sealed class UpSampling2D(Size2D? size = null, UpsampleMode interpolation = UpsampleMode.Nearest, string? name = null) : Layer(name)
{
    /// <summary>Factors.</summary>
    public Size2D Size { get; } = size ?? 2;

    /// <summary>How new cells are filled.</summary>
    public UpsampleMode Interpolation { get; } = interpolation;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => input.Upsample2d(Size.Tuple, Interpolation);
}
