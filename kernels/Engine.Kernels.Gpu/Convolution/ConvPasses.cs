using System.Numerics;
using ILGPU;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Forward: per group, y[n, k, ·] = W_g (K/G × C/G·kh·kw) · X̂_g, where column (n, oh, ow) of X̂_g gathers the
/// input under the kernel placed at output pixel (oh, ow) of image n (zero in the padding). Bias and ReLU are
/// applied as each sum is stored.
/// </summary>
internal readonly struct ForwardPass<T> : IImplicitGemmPass<T> where T : unmanaged, INumber<T>
{
    public int Rows(ConvProblem p) => p.GroupOutChannels;

    public long Columns(ConvProblem p) => p.Batch * p.OutPlane;

    public long Depth(ConvProblem p) => (long)p.GroupInChannels * p.Taps;

    public T LoadA(ConvProblem p, ArrayView<T> a, int group, int row, long depth) =>
        a[((long)group * p.GroupOutChannels + row) * Depth(p) + depth];

    public ColumnOrigin Column(ConvProblem p, int group, long column)
    {
        long n = column / p.OutPlane;
        int pixel = (int)(column - n * p.OutPlane);
        int oh = pixel / p.OutWidth, ow = pixel - oh * p.OutWidth;
        long imageBase = (n * p.InChannels + (long)group * p.GroupInChannels) * p.InPlane;
        return new ColumnOrigin(imageBase, oh * p.StrideHeight - p.PadTop, ow * p.StrideWidth - p.PadLeft, true);
    }

    public T LoadB(ConvProblem p, ArrayView<T> b, ColumnOrigin column, long depth)
    {
        int c = (int)(depth / p.Taps), tap = (int)(depth - (long)c * p.Taps);
        int i = tap / p.KernelWidth, j = tap - i * p.KernelWidth;
        int ih = column.Row + i * p.DilationHeight, iw = column.Column + j * p.DilationWidth;
        if ((uint)ih >= (uint)p.InHeight || (uint)iw >= (uint)p.InWidth) return T.Zero;
        return b[column.Base + c * p.InPlane + (long)ih * p.InWidth + iw];
    }

    public long OutputColumn(ConvProblem p, int split, long column)
    {
        if (column >= Columns(p)) return -1;
        long n = column / p.OutPlane;
        return n * p.OutChannels * p.OutPlane + (column - n * p.OutPlane);
    }

    public long OutputRow(ConvProblem p, int group, int row) => ((long)group * p.GroupOutChannels + row) * p.OutPlane;

    public T Finish(ConvProblem p, ArrayView<T> bias, int group, int row, T sum)
    {
        T value = p.HasBias != 0 ? sum + bias[(long)group * p.GroupOutChannels + row] : sum;
        if (p.Relu == 0) return value;
        // As the CPU's ReLU (Math.Max(v, 0)): NaN fails the comparison and stays NaN, −0 becomes +0.
        return value <= T.Zero ? T.Zero : value;
    }
}

/// <summary>
/// Input gradient (the transposed convolution): per group, dx[n, c, ·] = W_gᵀ-like (C/G × K/G·kh·kw) · D̂_g where
/// column (n, h, w) of D̂_g holds dy[n, k, oh, ow] for every tap (k, i, j) with h + padTop − i·dilation = oh·stride
/// (and likewise for w) inside the output, zero otherwise. Each dx element is one GEMM output, written once: no
/// atomics, no prior clearing.
/// </summary>
internal readonly struct BackwardDataPass<T> : IImplicitGemmPass<T> where T : unmanaged, INumber<T>
{
    public int Rows(ConvProblem p) => p.GroupInChannels;

    public long Columns(ConvProblem p) => p.Batch * p.InPlane;

    public long Depth(ConvProblem p) => (long)p.GroupOutChannels * p.Taps;

    public T LoadA(ConvProblem p, ArrayView<T> a, int group, int row, long depth)
    {
        int k = (int)(depth / p.Taps), tap = (int)(depth - (long)k * p.Taps);
        return a[(((long)group * p.GroupOutChannels + k) * p.GroupInChannels + row) * p.Taps + tap];
    }

    public ColumnOrigin Column(ConvProblem p, int group, long column)
    {
        long n = column / p.InPlane;
        int pixel = (int)(column - n * p.InPlane);
        int h = pixel / p.InWidth, w = pixel - h * p.InWidth;
        long imageBase = (n * p.OutChannels + (long)group * p.GroupOutChannels) * p.OutPlane;
        return new ColumnOrigin(imageBase, h + p.PadTop, w + p.PadLeft, true);
    }

    public T LoadB(ConvProblem p, ArrayView<T> b, ColumnOrigin column, long depth)
    {
        int k = (int)(depth / p.Taps), tap = (int)(depth - (long)k * p.Taps);
        int i = tap / p.KernelWidth, j = tap - i * p.KernelWidth;
        int th = column.Row - i * p.DilationHeight, tw = column.Column - j * p.DilationWidth;
        if (th < 0 || tw < 0) return T.Zero;
        int oh = th / p.StrideHeight, ow = tw / p.StrideWidth;
        if (oh * p.StrideHeight != th || ow * p.StrideWidth != tw || oh >= p.OutHeight || ow >= p.OutWidth) return T.Zero;
        return b[column.Base + k * p.OutPlane + (long)oh * p.OutWidth + ow];
    }

    public long OutputColumn(ConvProblem p, int split, long column)
    {
        if (column >= Columns(p)) return -1;
        long n = column / p.InPlane;
        return n * p.InChannels * p.InPlane + (column - n * p.InPlane);
    }

    public long OutputRow(ConvProblem p, int group, int row) => ((long)group * p.GroupInChannels + row) * p.InPlane;

    public T Finish(ConvProblem p, ArrayView<T> bias, int group, int row, T sum) => sum;
}

/// <summary>
/// Weight gradient: per group, dW_g (K/G × C/G·kh·kw) = dY_g (K/G × N·OH·OW) · X̂_gᵀ, where element ((n, oh, ow),
/// (c, i, j)) of X̂_gᵀ is x[n, c, oh·stride − pad + i·dilation, …]. The long depth N·OH·OW is split; split s
/// writes its partial sums to block s of the output (the scratch buffer), or straight to dw when there is one split.
/// </summary>
internal readonly struct BackwardWeightPass<T> : IImplicitGemmPass<T> where T : unmanaged, INumber<T>
{
    public int Rows(ConvProblem p) => p.GroupOutChannels;

    public long Columns(ConvProblem p) => (long)p.GroupInChannels * p.Taps;

    public long Depth(ConvProblem p) => p.Batch * p.OutPlane;

    public T LoadA(ConvProblem p, ArrayView<T> a, int group, int row, long depth)
    {
        long n = depth / p.OutPlane;
        return a[(n * p.OutChannels + (long)group * p.GroupOutChannels + row) * p.OutPlane + (depth - n * p.OutPlane)];
    }

    public ColumnOrigin Column(ConvProblem p, int group, long column)
    {
        int c = (int)(column / p.Taps), tap = (int)(column - (long)c * p.Taps);
        int i = tap / p.KernelWidth, j = tap - i * p.KernelWidth;
        long channelBase = ((long)group * p.GroupInChannels + c) * p.InPlane;
        return new ColumnOrigin(channelBase, i * p.DilationHeight - p.PadTop, j * p.DilationWidth - p.PadLeft, true);
    }

    public T LoadB(ConvProblem p, ArrayView<T> b, ColumnOrigin column, long depth)
    {
        long n = depth / p.OutPlane;
        int pixel = (int)(depth - n * p.OutPlane);
        int oh = pixel / p.OutWidth, ow = pixel - oh * p.OutWidth;
        int ih = oh * p.StrideHeight + column.Row, iw = ow * p.StrideWidth + column.Column;
        if ((uint)ih >= (uint)p.InHeight || (uint)iw >= (uint)p.InWidth) return T.Zero;
        return b[n * p.InChannels * p.InPlane + column.Base + (long)ih * p.InWidth + iw];
    }

    public long OutputColumn(ConvProblem p, int split, long column) =>
        column >= Columns(p) ? -1 : split * p.WeightSize + column;

    public long OutputRow(ConvProblem p, int group, int row) => ((long)group * p.GroupOutChannels + row) * Columns(p);

    public T Finish(ConvProblem p, ArrayView<T> bias, int group, int row, T sum) => sum;
}
