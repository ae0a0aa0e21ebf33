namespace Engine.Bench;

/// <summary>
/// A square-kernel 2-D convolution over NCHW float data: [Batch, InChannels, Height, Width] ⊛
/// [OutChannels, InChannels, Kernel, Kernel] with symmetric padding and stride 1, plus a bias.
/// </summary>
public readonly record struct ConvShape(int Batch, int InChannels, int OutChannels, int Kernel, int Height, int Width, int Padding)
{
    public int OutHeight => Height + 2 * Padding - Kernel + 1;

    public int OutWidth => Width + 2 * Padding - Kernel + 1;

    /// <summary>Two flops per multiply-add of the forward pass.</summary>
    public double Flops => 2.0 * Batch * OutChannels * OutHeight * OutWidth * InChannels * Kernel * Kernel;

    public override string ToString() => $"b{Batch} {InChannels}->{OutChannels} {Kernel}x{Kernel} p{Padding} {Height}x{Width}";
}
