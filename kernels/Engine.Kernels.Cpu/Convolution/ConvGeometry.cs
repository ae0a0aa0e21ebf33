namespace Engine.Kernels.Cpu;

/// <summary>
/// The sizes of one 2-D convolution over NCHW data: input [Batch, InChannels, InHeight, InWidth], weight
/// [OutChannels, InChannels/Groups, KernelHeight, KernelWidth], output [Batch, OutChannels, OutHeight, OutWidth].
/// Padding is per side; a 1-D convolution is the case InHeight = KernelHeight = 1.
/// </summary>
/// <param name="Batch">Images in the batch.</param>
/// <param name="InChannels">Input channels (all groups).</param>
/// <param name="InHeight">Input rows.</param>
/// <param name="InWidth">Input columns.</param>
/// <param name="OutChannels">Output channels (all groups).</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="StrideHeight">Step between output rows, in input rows.</param>
/// <param name="StrideWidth">Step between output columns, in input columns.</param>
/// <param name="PadTop">Zero rows added above the input.</param>
/// <param name="PadBottom">Zero rows added below the input.</param>
/// <param name="PadLeft">Zero columns added left of the input.</param>
/// <param name="PadRight">Zero columns added right of the input.</param>
/// <param name="DilationHeight">Step between kernel taps, in input rows.</param>
/// <param name="DilationWidth">Step between kernel taps, in input columns.</param>
/// <param name="Groups">Channel groups: group g maps input channels [g·C/G, (g+1)·C/G) to output channels [g·K/G, (g+1)·K/G).</param>
public readonly record struct ConvGeometry(
    int Batch, int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight = 1, int StrideWidth = 1,
    int PadTop = 0, int PadBottom = 0, int PadLeft = 0, int PadRight = 0,
    int DilationHeight = 1, int DilationWidth = 1, int Groups = 1)
{
    /// <summary>Output rows: floor((H + padding − dilation·(kh − 1) − 1) / stride) + 1.</summary>
    public int OutHeight => (InHeight + PadTop + PadBottom - DilationHeight * (KernelHeight - 1) - 1) / StrideHeight + 1;

    /// <summary>Output columns: floor((W + padding − dilation·(kw − 1) − 1) / stride) + 1.</summary>
    public int OutWidth => (InWidth + PadLeft + PadRight - DilationWidth * (KernelWidth - 1) - 1) / StrideWidth + 1;

    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Rows of one group's im2col matrix (its GEMM depth): C/G · kh · kw.</summary>
    public int PatchSize => GroupInChannels * KernelHeight * KernelWidth;

    /// <summary>Elements of one input image (all channels).</summary>
    public long InImageSize => (long)InChannels * InHeight * InWidth;

    /// <summary>Elements of one input channel plane.</summary>
    public long InPlaneSize => (long)InHeight * InWidth;

    /// <summary>Elements of one output channel plane: the GEMM's N per image.</summary>
    public int OutPlaneSize => OutHeight * OutWidth;

    /// <summary>Elements of one output image (all channels).</summary>
    public long OutImageSize => (long)OutChannels * OutPlaneSize;

    /// <summary>Elements of the weight tensor.</summary>
    public long WeightSize => (long)OutChannels * PatchSize;

    /// <summary>Multiply-adds of the forward pass (each backward pass costs the same).</summary>
    public long MultiplyAdds => (long)Batch * OutImageSize * PatchSize;

    /// <summary>
    /// A 1×1 kernel with unit stride and no padding: the im2col matrix is the image itself, so the convolution
    /// is a plain GEMM on the input (dilation is irrelevant).
    /// </summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1
        && PadTop == 0 && PadBottom == 0 && PadLeft == 0 && PadRight == 0;

    /// <summary>
    /// Null when every size is usable, else a sentence naming the first problem: non-positive sizes, channels
    /// not divisible by groups, or a dilated kernel larger than the padded input.
    /// </summary>
    public string? Problem()
    {
        if (Batch < 0 || InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0)
            return "sizes must be positive";
        if (KernelHeight <= 0 || KernelWidth <= 0) return "kernel size must be positive";
        if (StrideHeight <= 0 || StrideWidth <= 0) return "stride must be positive";
        if (DilationHeight <= 0 || DilationWidth <= 0) return "dilation must be positive";
        if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0) return "padding must not be negative";
        if (Groups <= 0) return "groups must be positive";
        if (InChannels % Groups != 0) return $"input channels {InChannels} are not divisible by groups {Groups}";
        if (OutChannels % Groups != 0) return $"output channels {OutChannels} are not divisible by groups {Groups}";
        if (DilationHeight * (KernelHeight - 1) + 1 > InHeight + PadTop + PadBottom
            || DilationWidth * (KernelWidth - 1) + 1 > InWidth + PadLeft + PadRight)
            return $"the kernel {KernelHeight}×{KernelWidth} (dilation {DilationHeight}×{DilationWidth}) is larger than the padded input "
                + $"{InHeight + PadTop + PadBottom}×{InWidth + PadLeft + PadRight}";
        return null;
    }
}
