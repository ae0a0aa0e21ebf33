using Engine.Kernels.Cpu;

namespace Engine.Kernels.Gpu;

/// <summary>
/// A <see cref="PoolGeometry"/> as a kernel parameter, with the output sizes worked out on the host: the window of
/// each output cell, clipped to the real plane, and the range of windows that cover each input cell.
/// </summary>
internal readonly struct PoolWindows
{
    /// <summary>Input plane height and width.</summary>
    public readonly int Height, Width;
    /// <summary>Window size.</summary>
    public readonly int KernelH, KernelW;
    /// <summary>Steps between windows.</summary>
    public readonly int StrideH, StrideW;
    /// <summary>Padding on each side.</summary>
    public readonly int PadH, PadW;
    /// <summary>Output plane height and width.</summary>
    public readonly int OutHeight, OutWidth;

    /// <summary>The sizes of a valid <paramref name="g"/>.</summary>
    public PoolWindows(PoolGeometry g)
    {
        Height = g.Height; Width = g.Width; KernelH = g.KernelH; KernelW = g.KernelW;
        StrideH = g.StrideH; StrideW = g.StrideW; PadH = g.PadH; PadW = g.PadW;
        OutHeight = g.OutHeight; OutWidth = g.OutWidth;
    }

    /// <summary>Elements in one input plane.</summary>
    public long InPlane => (long)Height * Width;

    /// <summary>Elements in one output plane.</summary>
    public long OutPlane => (long)OutHeight * OutWidth;

    /// <summary>First real input row of output row <paramref name="oh"/>'s window.</summary>
    public int RowStart(int oh) => Max(oh * StrideH - PadH, 0);

    /// <summary>One past the last real input row of output row <paramref name="oh"/>'s window.</summary>
    public int RowEnd(int oh) => Min(oh * StrideH - PadH + KernelH, Height);

    /// <summary>First real input column of output column <paramref name="ow"/>'s window.</summary>
    public int ColumnStart(int ow) => Max(ow * StrideW - PadW, 0);

    /// <summary>One past the last real input column of output column <paramref name="ow"/>'s window.</summary>
    public int ColumnEnd(int ow) => Min(ow * StrideW - PadW + KernelW, Width);

    /// <summary>First output row whose window covers input row <paramref name="h"/>.</summary>
    public int FirstCoveringRow(int h) => FirstCovering(h + PadH - KernelH + 1, StrideH);

    /// <summary>Last output row whose window covers input row <paramref name="h"/> (below the first when none does).</summary>
    public int LastCoveringRow(int h) => Min((h + PadH) / StrideH, OutHeight - 1);

    /// <summary>First output column whose window covers input column <paramref name="w"/>.</summary>
    public int FirstCoveringColumn(int w) => FirstCovering(w + PadW - KernelW + 1, StrideW);

    /// <summary>Last output column whose window covers input column <paramref name="w"/>.</summary>
    public int LastCoveringColumn(int w) => Min((w + PadW) / StrideW, OutWidth - 1);

    /// <summary>The window divisor of average pooling (see <see cref="AvgPool2d"/>).</summary>
    public int Divisor(bool countIncludePad, int h0, int h1, int w0, int w1) => countIncludePad ? KernelH * KernelW : (h1 - h0) * (w1 - w0);

    // ⌈start / stride⌉ for the first window whose start ≥ the lowest start that still reaches the cell; never below 0.
    private static int FirstCovering(int lowest, int stride) => lowest <= 0 ? 0 : (lowest + stride - 1) / stride;

    // Plain comparisons: they compile to every ILGPU backend without relying on Math intrinsics.
    private static int Max(int a, int b) => a > b ? a : b;

    private static int Min(int a, int b) => a < b ? a : b;
}
