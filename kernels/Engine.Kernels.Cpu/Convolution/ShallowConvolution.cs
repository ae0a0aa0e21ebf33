using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Direct forward convolution for shallow layers (few input channels, e.g. the first layer of an image net):
/// where im2col + GEMM would run a GEMM only C·kh·kw deep, with a fill of the bias and a read-modify-write of the
/// output around it, this computes each output vector in registers from the bias and writes it once.
/// </summary>
/// <remarks>
/// <para>Each work item (an image, or a band of its output rows when the batch is smaller than the thread count)
/// copies the input rows it reads into a zero-padded scratch of padded width Wp, C planes one after the other.
/// On that grid every tap (c, ky, kx) is the constant offset c·R·Wp + ky·Wp + kx from the output position
/// y·Wp + x, so out[k, y, x] = bias[k] + Σ_t w[k, t]·in[y·Wp + x + off_t] with no bounds checks. A tile of
/// <see cref="ChannelBlock"/> output channels × 1–3 vectors of consecutive columns is accumulated in registers
/// (at most 12 accumulators) over the taps. A row's last tile is moved back to end at its last column, so it overlaps
/// the tile before and stores whole vectors; only rows narrower than one tile store part of a vector.</para>
/// <para>The scalar twin (<see cref="ShallowConvolutionScalar"/>) runs the same sums in the same order with fused
/// multiply-adds, so every path gives the same bits.</para>
/// </remarks>
internal static unsafe class ShallowConvolution
{
    /// <summary>Output channels per register tile; weights are repacked in blocks of this many.</summary>
    public const int ChannelBlock = 4;

    /// <summary>The largest C·kh·kw this path takes (deeper patches feed the GEMM well enough).</summary>
    public const int MaxTaps = 32;

    /// <summary>Zeroed elements after the padded planes: the widest vector's overrun past the last row.</summary>
    private const int Slack = 16;

    /// <summary>False turns the dispatch to this kernel off, so a benchmark or test can time or check the im2col path.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether the kernel computes this convolution: one group, unit stride and dilation, at most <see cref="MaxTaps"/> taps.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.PatchSize <= MaxTaps;

    /// <summary>
    /// Whether <see cref="Convolution"/> should take this kernel: it <see cref="Applies"/> and is not pointwise
    /// (a pointwise convolution is already a GEMM on the image itself, with no im2col).
    /// </summary>
    public static bool Pays(in ConvGeometry g) => Enabled && Applies(g) && !g.IsPointwise;

    /// <summary>y = conv(x, w) (+ bias) (then ReLU), with the meaning and layouts of <see cref="Convolution"/>; y is only written.</summary>
    public static void Forward<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies(g))
            throw new ArgumentException($"ShallowConvolution: the convolution needs one group, unit stride and dilation and at most {MaxTaps} taps C·kh·kw ({g}).");
        if (g.Batch == 0) return;
        int blocks = (g.OutChannels + ChannelBlock - 1) / ChannelBlock, taps = g.PatchSize;
        T* packed = (T*)NativeMemory.AlignedAlloc((nuint)((blocks * ChannelBlock * (taps + 1)) * sizeof(T)), 64);
        try
        {
            T* packedBias = packed + (long)blocks * ChannelBlock * taps;
            Repack(g, w, bias, packed, packedBias);
            var geometry = g;
            int bands = Bands(g);
            KernelThreads.ForRange((long)g.Batch * bands, 1, (start, end) =>
            {
                for (long item = start; item < end; item++)
                {
                    int n = (int)(item / bands), band = (int)(item % bands);
                    int first = (int)((long)geometry.OutHeight * band / bands), last = (int)((long)geometry.OutHeight * (band + 1) / bands);
                    RunBand(geometry, n, first, last, x, w, packed, packedBias, bias, y, isa, relu);
                }
            });
        }
        finally
        {
            NativeMemory.AlignedFree(packed);
        }
    }

    /// <summary>Bands of output rows per image: one, unless the batch is smaller than the thread count.</summary>
    private static int Bands(in ConvGeometry g) =>
        g.Batch >= KernelThreads.Count ? 1 : Math.Min(g.OutHeight, (KernelThreads.Count + g.Batch - 1) / g.Batch);

    /// <summary>
    /// packed[(block·taps + t)·B + j] = w[block·B + j, t] (zero past the last channel), so a tile's weights for one tap
    /// are adjacent; packedBias the bias (zero when null) likewise padded.
    /// </summary>
    private static void Repack<T>(in ConvGeometry g, T* w, T* bias, T* packed, T* packedBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = (g.OutChannels + ChannelBlock - 1) / ChannelBlock, taps = g.PatchSize;
        for (int block = 0; block < blocks; block++)
            for (int j = 0; j < ChannelBlock; j++)
            {
                int k = block * ChannelBlock + j;
                for (int t = 0; t < taps; t++)
                    packed[((long)block * taps + t) * ChannelBlock + j] = k < g.OutChannels ? w[(long)k * taps + t] : T.Zero;
                packedBias[block * ChannelBlock + j] = k < g.OutChannels && bias != null ? bias[k] : T.Zero;
            }
    }

    /// <summary>Output rows [first, last) of image n: pads the input rows they read into the thread's scratch, then runs the path.</summary>
    private static void RunBand<T>(in ConvGeometry g, int n, int first, int last, T* x, T* w, T* packed, T* packedBias, T* bias,
        T* y, CpuIsa isa, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var band = new ShallowBand(g, first, last);
        T* padded = PackScratch.Current.Columns<T>(band.PaddedSize + Slack);
        PadRows(g, band, x + n * g.InImageSize, padded);
        int* offsets = stackalloc int[g.PatchSize];
        band.TapOffsets(g, offsets);
        T* output = y + n * g.OutImageSize;
        switch (isa)
        {
            case CpuIsa.Avx2:
                ShallowTiles<T, Vector256<T>, Simd256<T>>.Run(g, band, padded, offsets, packed, packedBias, output, relu);
                break;
            case CpuIsa.Avx512:
                ShallowTiles<T, Vector512<T>, Simd512<T>>.Run(g, band, padded, offsets, packed, packedBias, output, relu);
                break;
            default:
                ShallowConvolutionScalar.Run(g, band, padded, offsets, w, bias, output, relu);
                break;
        }
    }

    /// <summary>
    /// Copies input rows [first − padTop, first − padTop + R) of every channel into R rows of width Wp each, zero where
    /// they fall in the padding, followed by <see cref="Slack"/> zeros.
    /// </summary>
    private static void PadRows<T>(in ConvGeometry g, in ShallowBand band, T* image, T* padded) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wp = band.PaddedWidth, rows = band.PaddedRows;
        for (int c = 0; c < g.InChannels; c++)
            for (int r = 0; r < rows; r++)
            {
                T* to = padded + ((long)c * rows + r) * wp;
                int ih = band.First - g.PadTop + r;
                if (ih < 0 || ih >= g.InHeight)
                {
                    new Span<T>(to, wp).Clear();
                    continue;
                }
                new Span<T>(to, g.PadLeft).Clear();
                new ReadOnlySpan<T>(image + (c * g.InHeight + ih) * (long)g.InWidth, g.InWidth).CopyTo(new Span<T>(to + g.PadLeft, g.InWidth));
                new Span<T>(to + g.PadLeft + g.InWidth, g.PadRight).Clear();
            }
        new Span<T>(padded + band.PaddedSize, Slack).Clear();
    }
}

/// <summary>A band of output rows [First, Last) and the padded scratch that serves it: R = rows + kh − 1 rows of width Wp per channel.</summary>
internal readonly struct ShallowBand
{
    public ShallowBand(in ConvGeometry g, int first, int last)
    {
        First = first;
        Last = last;
        PaddedWidth = g.InWidth + g.PadLeft + g.PadRight;
        PaddedRows = last - first + g.KernelHeight - 1;
        PaddedSize = (long)g.InChannels * PaddedRows * PaddedWidth;
    }

    /// <summary>First output row.</summary>
    public int First { get; }

    /// <summary>One past the last output row.</summary>
    public int Last { get; }

    /// <summary>Wp: the padded input width, the scratch's row stride.</summary>
    public int PaddedWidth { get; }

    /// <summary>Rows of each channel in the scratch.</summary>
    public int PaddedRows { get; }

    /// <summary>Elements of the scratch's planes.</summary>
    public long PaddedSize { get; }

    /// <summary>offsets[t] for tap t = (c, ky, kx) in weight order: c·R·Wp + ky·Wp + kx.</summary>
    public unsafe void TapOffsets(in ConvGeometry g, int* offsets)
    {
        int t = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                    offsets[t++] = (c * PaddedRows + ky) * PaddedWidth + kx;
    }
}

/// <summary>The scalar twin of <see cref="ShallowTiles{T,TV,TSimd}"/>: the same sums, in the same order, one output at a time.</summary>
internal static unsafe class ShallowConvolutionScalar
{
    /// <summary>The band's outputs of every channel from the padded scratch.</summary>
    public static void Run<T>(in ConvGeometry g, in ShallowBand band, T* padded, int* offsets, T* w, T* bias, T* output, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int taps = g.PatchSize, ow = g.OutWidth, plane = g.OutPlaneSize;
        for (int oy = band.First; oy < band.Last; oy++)
        {
            T* row = padded + (long)(oy - band.First) * band.PaddedWidth;
            for (int k = 0; k < g.OutChannels; k++)
            {
                T* weights = w + (long)k * taps;
                T* to = output + (long)k * plane + (long)oy * ow;
                for (int ox = 0; ox < ow; ox++)
                {
                    T sum = bias == null ? T.Zero : bias[k];
                    for (int t = 0; t < taps; t++) sum = T.FusedMultiplyAdd(weights[t], row[ox + offsets[t]], sum);
                    to[ox] = relu ? T.Max(sum, T.Zero) : sum;
                }
            }
        }
    }
}

/// <summary>Vectors of columns per register tile: 1, 2 or 3.</summary>
internal interface ITileWidth
{
    /// <summary>The vectors.</summary>
    static abstract int Vectors { get; }
}

/// <summary>One vector of columns.</summary>
internal readonly struct OneVector : ITileWidth
{
    /// <inheritdoc/>
    public static int Vectors => 1;
}

/// <summary>Two vectors of columns.</summary>
internal readonly struct TwoVectors : ITileWidth
{
    /// <inheritdoc/>
    public static int Vectors => 2;
}

/// <summary>Three vectors of columns.</summary>
internal readonly struct ThreeVectors : ITileWidth
{
    /// <inheritdoc/>
    public static int Vectors => 3;
}

/// <summary>
/// The vector tiles of <see cref="ShallowConvolution"/>, written once for every element type and vector width:
/// 4 output channels × up to 3 vectors of columns, 12 accumulators, and per tap up to 3 input loads and 4 weight
/// broadcasts feeding 12 FMAs.
/// </summary>
internal static unsafe class ShallowTiles<T, TV, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private const int B = ShallowConvolution.ChannelBlock;

    /// <summary>
    /// The band's outputs: row by row (its taps' input stays in L1), channel block by block, the row's vectors in
    /// tiles of 3, closing with 2 + 2 rather than 3 + 1 (a one-vector tile has only 4 accumulators, too few to hide
    /// the FMA latency).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in ConvGeometry g, in ShallowBand band, T* padded, int* offsets, T* packed, T* packedBias, T* output, bool relu)
    {
        int taps = g.PatchSize, ow = g.OutWidth, plane = g.OutPlaneSize, count = TSimd.Count;
        int vectors = (ow + count - 1) / count, blocks = (g.OutChannels + B - 1) / B;
        T* partial = stackalloc T[count];
        for (int oy = band.First; oy < band.Last; oy++)
        {
            T* row = padded + (long)(oy - band.First) * band.PaddedWidth;
            for (int block = 0; block < blocks; block++)
            {
                var tile = new TileArguments(offsets, taps, packed + (long)block * taps * B, packedBias + block * B,
                    output + (long)block * B * plane + (long)oy * ow, plane, Math.Min(B, g.OutChannels - block * B), relu, partial);
                for (int v = 0; v < vectors;)
                {
                    int left = vectors - v, width = left == 1 ? 1 : left == 2 || left == 4 ? 2 : 3;
                    // The last tile ends at the row's end, overlapping the one before (its columns are computed
                    // again, to the same bits): full stores only. A row narrower than the tile stores part of it.
                    int at = v + width == vectors ? Math.Max(0, ow - width * count) : v * count;
                    if (width == 1) Tile<OneVector>(row + at, tile, at, ow - at);
                    else if (width == 2) Tile<TwoVectors>(row + at, tile, at, ow - at);
                    else Tile<ThreeVectors>(row + at, tile, at, ow - at);
                    v += width;
                }
            }
        }
    }

    /// <summary>What every tile of one (row, channel block) shares.</summary>
    private readonly struct TileArguments(int* offsets, int taps, T* weights, T* bias, T* output, long plane, int channels, bool relu, T* partial)
    {
        public readonly int* Offsets = offsets;
        public readonly int Taps = taps;
        public readonly T* Weights = weights;
        public readonly T* Bias = bias;
        public readonly T* Output = output;
        public readonly long Plane = plane;
        public readonly int Channels = channels;
        public readonly bool Relu = relu;
        public readonly T* Partial = partial;
    }

    /// <summary>
    /// One tile at columns [at, at + W·Count) of the row, of which the first <paramref name="lanes"/> are stored. Not
    /// inlined, and with no calls inside: inlined into the row loop (or with a call on the store path) the JIT kept the
    /// accumulators in memory, stored back after every FMA (measured 2× slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TW>(T* input, in TileArguments a, int at, int lanes) where TW : struct, ITileWidth
    {
        int count = TSimd.Count;
        T* bias = a.Bias;
        TV a00 = TSimd.Splat(bias[0]), a10 = TSimd.Splat(bias[1]), a20 = TSimd.Splat(bias[2]), a30 = TSimd.Splat(bias[3]);
        TV a01 = a00, a11 = a10, a21 = a20, a31 = a30, a02 = a00, a12 = a10, a22 = a20, a32 = a30;
        int* offsets = a.Offsets;
        T* w = a.Weights;
        for (int t = 0; t < a.Taps; t++, w += B)
        {
            T* p = input + offsets[t];
            TV x0 = TSimd.Load(p);
            TV x1 = TW.Vectors >= 2 ? TSimd.Load(p + count) : default;
            TV x2 = TW.Vectors >= 3 ? TSimd.Load(p + 2 * count) : default;
            TV wk = TSimd.Splat(w[0]);
            a00 = TSimd.Fma(wk, x0, a00);
            if (TW.Vectors >= 2) a01 = TSimd.Fma(wk, x1, a01);
            if (TW.Vectors >= 3) a02 = TSimd.Fma(wk, x2, a02);
            wk = TSimd.Splat(w[1]);
            a10 = TSimd.Fma(wk, x0, a10);
            if (TW.Vectors >= 2) a11 = TSimd.Fma(wk, x1, a11);
            if (TW.Vectors >= 3) a12 = TSimd.Fma(wk, x2, a12);
            wk = TSimd.Splat(w[2]);
            a20 = TSimd.Fma(wk, x0, a20);
            if (TW.Vectors >= 2) a21 = TSimd.Fma(wk, x1, a21);
            if (TW.Vectors >= 3) a22 = TSimd.Fma(wk, x2, a22);
            wk = TSimd.Splat(w[3]);
            a30 = TSimd.Fma(wk, x0, a30);
            if (TW.Vectors >= 2) a31 = TSimd.Fma(wk, x1, a31);
            if (TW.Vectors >= 3) a32 = TSimd.Fma(wk, x2, a32);
        }
        T* to = a.Output + at;
        StoreChannel<TW>(to, a00, a01, a02, lanes, a);
        if (a.Channels > 1) StoreChannel<TW>(to + a.Plane, a10, a11, a12, lanes, a);
        if (a.Channels > 2) StoreChannel<TW>(to + 2 * a.Plane, a20, a21, a22, lanes, a);
        if (a.Channels > 3) StoreChannel<TW>(to + 3 * a.Plane, a30, a31, a32, lanes, a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannel<TW>(T* to, TV v0, TV v1, TV v2, int lanes, in TileArguments a) where TW : struct, ITileWidth
    {
        int count = TSimd.Count;
        StoreVector(to, v0, lanes, a);
        if (TW.Vectors >= 2) StoreVector(to + count, v1, lanes - count, a);
        if (TW.Vectors >= 3) StoreVector(to + 2 * count, v2, lanes - 2 * count, a);
    }

    /// <summary>Stores the first <paramref name="lanes"/> lanes (all when there are Count or more) after the ReLU if asked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector(T* to, TV v, int lanes, in TileArguments a)
    {
        if (a.Relu) v = TSimd.MaxFast(TSimd.Splat(T.Zero), v);
        if (lanes >= TSimd.Count)
        {
            TSimd.Store(to, v);
            return;
        }
        if (lanes <= 0) return;
        TSimd.Store(a.Partial, v);
        for (int i = 0; i < lanes; i++) to[i] = a.Partial[i];
    }
}
