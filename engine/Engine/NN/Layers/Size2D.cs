namespace Engine.NN;

/// <summary>A (height, width) pair for kernel sizes, strides and dilations; an <c>int</c> means the same on both axes.</summary>
/// <param name="Height">Along the rows.</param>
/// <param name="Width">Along the columns.</param>
public readonly record struct Size2D(int Height, int Width)
{
    /// <summary>The same size on both axes.</summary>
    /// <param name="size">The size.</param>
    public static implicit operator Size2D(int size) => new(size, size);

    /// <summary>A (height, width) tuple.</summary>
    /// <param name="size">The sizes.</param>
    public static implicit operator Size2D((int Height, int Width) size) => new(size.Height, size.Width);

    /// <summary>As a tuple, for the tensor ops.</summary>
    public (int Height, int Width) Tuple => (Height, Width);

    /// <inheritdoc/>
    public override string ToString() => $"({Height}, {Width})";
}
