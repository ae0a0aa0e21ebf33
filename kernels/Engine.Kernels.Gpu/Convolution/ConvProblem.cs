using Engine.Kernels.Cpu;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The sizes of one convolution launch as the kernels read them: the <see cref="ConvGeometry"/> flattened into
/// plain ints (ILGPU kernels take only unmanaged values and views) with the derived sizes precomputed on the host,
/// plus where the launch sits in the (group, split) space.
/// </summary>
internal struct ConvProblem
{
    public int Batch, InChannels, InHeight, InWidth, OutChannels, KernelHeight, KernelWidth;
    public int StrideHeight, StrideWidth, PadTop, PadLeft, DilationHeight, DilationWidth;
    public int OutHeight, OutWidth, Groups, GroupInChannels, GroupOutChannels;

    /// <summary>kh·kw: the taps of one kernel plane.</summary>
    public int Taps;

    /// <summary>InHeight·InWidth and OutHeight·OutWidth.</summary>
    public long InPlane, OutPlane;

    /// <summary>Elements of the weight tensor: one split's block of the weight-gradient partial sums.</summary>
    public long WeightSize;

    /// <summary>Depth ranges the GEMM depth is split into (1 except for the weight gradient), and the length of each.</summary>
    public int Splits;
    public long SplitLength;

    /// <summary>The (group · Splits + split) index grid z = 0 of this launch stands for: launches are chunked in z.</summary>
    public int FirstZ;

    /// <summary>1 when the forward pass adds a bias, 1 when it applies ReLU (ints: kernel parameters stay plain).</summary>
    public int HasBias, Relu;

    public static ConvProblem From(in ConvGeometry g) => new()
    {
        Batch = g.Batch, InChannels = g.InChannels, InHeight = g.InHeight, InWidth = g.InWidth,
        OutChannels = g.OutChannels, KernelHeight = g.KernelHeight, KernelWidth = g.KernelWidth,
        StrideHeight = g.StrideHeight, StrideWidth = g.StrideWidth, PadTop = g.PadTop, PadLeft = g.PadLeft,
        DilationHeight = g.DilationHeight, DilationWidth = g.DilationWidth,
        OutHeight = g.OutHeight, OutWidth = g.OutWidth, Groups = g.Groups, GroupInChannels = g.GroupInChannels,
        GroupOutChannels = g.GroupOutChannels, Taps = g.KernelHeight * g.KernelWidth,
        InPlane = g.InPlaneSize, OutPlane = g.OutPlaneSize, WeightSize = g.WeightSize, Splits = 1,
    };
}

/// <summary>
/// What a B-tile column of an implicit GEMM decodes to once per thread, so the per-step gather only decodes the
/// depth index: a base element index and a (row, column) origin in the gathered tensor's plane.
/// </summary>
internal readonly struct ColumnOrigin(long baseIndex, int row, int column, bool valid)
{
    public readonly long Base = baseIndex;
    public readonly int Row = row, Column = column;

    /// <summary>False for columns past the end of the GEMM: they gather zeros.</summary>
    public readonly bool Valid = valid;
}
