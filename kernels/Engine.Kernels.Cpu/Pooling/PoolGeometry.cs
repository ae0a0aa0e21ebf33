namespace Engine.Kernels.Cpu;

/// <summary>
/// The sizes of a 2-D pooling: an H×W input plane, a KernelH×KernelW window moved by (StrideH, StrideW)
/// over the plane padded by (PadH, PadW) on each side. A 1-D pooling is the 2-D one with H = 1 and a
/// 1×k window.
/// </summary>
/// <param name="Height">Input plane height H.</param>
/// <param name="Width">Input plane width W.</param>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical step between windows.</param>
/// <param name="StrideW">Horizontal step between windows.</param>
/// <param name="PadH">Padding rows above and below.</param>
/// <param name="PadW">Padding columns left and right.</param>
public readonly record struct PoolGeometry(int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Output height: ⌊(H + 2·PadH − KernelH) / StrideH⌋ + 1 (PyTorch with ceil_mode = false).</summary>
    public int OutHeight => (Height + 2 * PadH - KernelH) / StrideH + 1;

    /// <summary>Output width: ⌊(W + 2·PadW − KernelW) / StrideW⌋ + 1.</summary>
    public int OutWidth => (Width + 2 * PadW - KernelW) / StrideW + 1;

    /// <summary>Elements in one input plane.</summary>
    public int InPlane => Height * Width;

    /// <summary>Elements in one output plane.</summary>
    public int OutPlane => OutHeight * OutWidth;

    /// <summary>
    /// The description of these sizes for the problems <see cref="Problem"/> finds, or null when the
    /// geometry is valid: positive sizes and steps, padding at most half the window (PyTorch's rule, which
    /// also guarantees every window holds a real cell), and a window no larger than the padded plane.
    /// </summary>
    public string? Problem()
    {
        if (Height <= 0 || Width <= 0) return $"the input plane {Height}×{Width} is empty";
        if (KernelH <= 0 || KernelW <= 0) return $"kernel ({KernelH}, {KernelW}) must be positive";
        if (StrideH <= 0 || StrideW <= 0) return $"stride ({StrideH}, {StrideW}) must be positive";
        if (PadH < 0 || PadW < 0) return $"padding ({PadH}, {PadW}) must not be negative";
        if (PadH > KernelH / 2 || PadW > KernelW / 2)
            return $"padding ({PadH}, {PadW}) must be at most half the kernel ({KernelH}, {KernelW})";
        if (KernelH > Height + 2 * PadH || KernelW > Width + 2 * PadW)
            return $"kernel ({KernelH}, {KernelW}) is larger than the padded input {Height + 2 * PadH}×{Width + 2 * PadW}";
        return null;
    }

    /// <summary>The sizes as the error messages show them (no derived sizes, which need a valid geometry).</summary>
    public override string ToString() =>
        $"input plane {Height}×{Width}, kernel ({KernelH}, {KernelW}), stride ({StrideH}, {StrideW}), padding ({PadH}, {PadW})";

    /// <summary>True for the windows the vector paths handle: width 2, step 2, no column padding.</summary>
    internal bool IsPairColumns => KernelW == 2 && StrideW == 2 && PadW == 0;

    /// <summary>Throws when <see cref="Problem"/> finds one; <paramref name="kernel"/> names the caller.</summary>
    internal void Check(string kernel, long planes)
    {
        if (planes < 0) throw new ArgumentOutOfRangeException(nameof(planes), planes, $"{kernel}: negative plane count.");
        if (Problem() is { } problem) throw new ArgumentException($"{kernel}: {problem} ({this}).");
    }

    /// <summary>Input rows [start, end) of output row <paramref name="outRow"/>, clipped to the real plane.</summary>
    internal (int Start, int End) Rows(int outRow)
    {
        int start = outRow * StrideH - PadH;
        return (Math.Max(start, 0), Math.Min(start + KernelH, Height));
    }

    /// <summary>Input columns [start, end) of output column <paramref name="outColumn"/>, clipped to the real plane.</summary>
    internal (int Start, int End) Columns(int outColumn)
    {
        int start = outColumn * StrideW - PadW;
        return (Math.Max(start, 0), Math.Min(start + KernelW, Width));
    }

    /// <summary>Planes per parallel chunk, so each chunk touches at least ~32k elements.</summary>
    internal long Grain => Math.Max(1, (1 << 15) / Math.Max(1, InPlane + OutPlane));
}
