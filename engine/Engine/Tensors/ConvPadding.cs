namespace Engine.Tensors;

/// <summary>How a convolution pads its input: <see cref="Valid"/> (none), <see cref="Same"/> (Keras/TensorFlow
/// "same": the output has ceil(input / stride) positions, the odd extra cell going after), or explicit cells per
/// side. An <c>int</c> or an <c>(int Height, int Width)</c> tuple converts to symmetric explicit padding.</summary>
public readonly record struct ConvPadding
{
    private ConvPadding(bool same, int top, int bottom, int left, int right)
    {
        IsSame = same; Top = top; Bottom = bottom; Left = left; Right = right;
    }

    /// <summary>No padding.</summary>
    public static ConvPadding Valid => default;

    /// <summary>"same" padding: output size ceil(input / stride); for a transposed convolution, input · stride.</summary>
    public static ConvPadding Same => new(true, 0, 0, 0, 0);

    /// <summary>Explicit padding per side of a 2-D input.</summary>
    /// <param name="top">Rows above.</param>
    /// <param name="bottom">Rows below.</param>
    /// <param name="left">Columns to the left.</param>
    /// <param name="right">Columns to the right.</param>
    public static ConvPadding Explicit(int top, int bottom, int left, int right) => new(false, top, bottom, left, right);

    /// <summary>Explicit padding of a 1-D input: cells before and after.</summary>
    /// <param name="before">Cells before the first.</param>
    /// <param name="after">Cells after the last.</param>
    public static ConvPadding Explicit(int before, int after) => new(false, 0, 0, before, after);

    /// <summary>The same number of cells on every side.</summary>
    public static implicit operator ConvPadding(int cells) => new(false, cells, cells, cells, cells);

    /// <summary>Symmetric padding: Height rows above and below, Width columns left and right.</summary>
    public static implicit operator ConvPadding((int Height, int Width) cells) =>
        new(false, cells.Height, cells.Height, cells.Width, cells.Width);

    /// <summary>Whether this is "same" padding (the sides are then computed from the sizes).</summary>
    public bool IsSame { get; }

    /// <summary>Explicit rows above.</summary>
    public int Top { get; }

    /// <summary>Explicit rows below.</summary>
    public int Bottom { get; }

    /// <summary>Explicit columns to the left.</summary>
    public int Left { get; }

    /// <summary>Explicit columns to the right.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    public override string ToString() => IsSame ? "same" : $"({Top}, {Bottom}, {Left}, {Right})";

    /// <summary>"same" padding along one axis: the total that gives ceil(size / stride) outputs, split with the odd cell after.</summary>
    internal static (int Before, int After) SameAlong(int size, int kernel, int stride, int dilation)
    {
        int outputs = (size + stride - 1) / stride;
        int total = Math.Max(0, (outputs - 1) * stride + dilation * (kernel - 1) + 1 - size);
        return (total / 2, total - total / 2);
    }
}
