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
/// <see cref="ChannelBlock"/> output channels × 3 vectors of columns is accumulated in registers over the taps
/// (see <see cref="ShallowTiles{T,TV,TSimd}"/>).</para>
/// <para>The scalar twin (<see cref="ShallowConvolutionScalar"/>) runs the same sums in the same order with fused
/// multiply-adds, so every path gives the same bits.</para>
/// <para>Measured on Zen 3 (shared 2-core VM), AVX2, im2col path (<see cref="Enabled"/> false) and this kernel alternately
/// in one process after 1.5 s of warm-up, best of 20 calls per round, three rounds, ms per call (1 thread: this thread's
/// CPU time; 2 threads: wall time, noisier):
/// <code>
///                                    float 1 thread                  float 2 threads          double 1 thread
/// 1→32, 28×28, pad 0, batch 32       0.34 → 0.25 (1.35–1.37×)       0.24 → 0.20 (1.05–1.25×)   0.70–0.91 → 0.56–0.60
/// 1→32, 28×28, pad 0, batch 64       0.69 → 0.50 (1.38–1.46×)       0.70 → 0.50 (1.41–1.44×)
/// 3→32, 32×32, pad 1, batch 32       1.28 → 0.70–0.75 (1.78–1.82×)  0.87 → 0.49 (1.52–1.79×)*  3.63 → 2.20 (1.65×)
/// the same with ReLU: 1→32           0.41–0.60 → 0.25–0.36          0.31 → 0.18 (1.66–1.76×)   0.79–0.89 → 0.43 (1.8–2.1×)
///                     3→32           1.40–1.64 → 0.71–0.84 (1.7–2.2×) 0.72–0.97 → 0.35–0.45      2.85 → 1.44 (2.0×)
/// 3→16 / 3→64 at 32×32, batch 32     1.9–2.0× / 1.0–1.5×                                       2.1–2.3× / 1.8–2.2×
/// 1→32 5×5 pad 2 (25 taps)           1.5×                                                      1.8–1.95×
/// 4→32, 5→32 3×3 (36, 45 taps)       1.6–1.7×                                                  1.6–1.9×
/// 3→32 5×5 pad 2 (75 taps)           1.1–1.5×                                                  1.8×
/// </code>
/// (* one round of three lost, 0.86×, to the load from other jobs.) The first version, tiles of 1–3 vectors along each
/// row and the tile inlined into the row loop, ran 2× slower than im2col: the JIT kept the accumulators in memory.</para>
/// </remarks>
internal static unsafe class ShallowConvolution
{
    /// <summary>Output channels per register tile; weights are repacked in blocks of this many.</summary>
    public const int ChannelBlock = 4;

    /// <summary>
    /// The largest C·kh·kw this path takes: the deepest patch measured (3→32 channels, 5×5: 75 taps) was still 1.3–1.5×
    /// faster than im2col + GEMM in float, 1.8× in double; deeper ones were not measured. (From 8 input channels a 3×3
    /// layer usually goes to <see cref="Winograd"/> first.)
    /// </summary>
    public const int MaxTaps = 75;

    /// <summary>Zeroed elements after the padded planes: the widest vector's overrun past the last row.</summary>
    private const int Slack = 16;

    /// <summary>False turns the dispatch to this kernel off, so a benchmark or test can time or check the im2col path.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Whether the kernel computes this convolution: one group, unit stride and dilation, at most <see cref="MaxTaps"/> taps.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.PatchSize <= MaxTaps;

    /// <summary>
    /// Whether <see cref="Convolution"/> should take this kernel: it <see cref="Applies"/>, is not pointwise (that is
    /// already a GEMM on the image itself, with no im2col), and the output rows are at least one vector wide — narrower
    /// rows store part of a vector through a buffer, and there the im2col path, whose GEMM runs over the whole flattened
    /// plane, was as fast or faster (float, 1→32 channels, 3×3, 5 output columns: 0.93×; 6 columns: 0.6–1.3×).
    /// </summary>
    /// <remarks>
    /// Never on the scalar path: there the scalar twin, one output at a time, was slower than the scalar GEMM's
    /// register tiles (float, 1 thread, batch 32: 3→32 at 32×32 24.0 vs 16.6 ms, 1→32 at 28×28 4.8 vs 4.5 ms).
    /// </remarks>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="g">The convolution.</param>
    /// <param name="isa">The path that will run.</param>
    public static bool Pays<T>(in ConvGeometry g, CpuIsa isa) where T : unmanaged =>
        Enabled && isa != CpuIsa.Scalar && Applies(g) && !g.IsPointwise && g.OutWidth >= Lanes<T>(isa);

    /// <summary>Elements of <typeparamref name="T"/> per vector on the path: 1 for scalar.</summary>
    private static int Lanes<T>(CpuIsa isa) where T : unmanaged => isa switch
    {
        CpuIsa.Avx2 => Vector256<T>.Count,
        CpuIsa.Avx512 => Vector512<T>.Count,
        _ => 1,
    };

    /// <summary>y = conv(x, w) (+ bias) (then ReLU), with the meaning and layouts of <see cref="Convolution"/>; y is only written.</summary>
    public static void Forward<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Problem() is { } problem) throw new ArgumentException($"ShallowConvolution: {problem} ({g}).");
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

/// <summary>A compile-time switch for a generic kernel: the JIT drops the branches of the other setting.</summary>
internal interface IKernelSwitch
{
    /// <summary>Whether the switch is on.</summary>
    static abstract bool On { get; }
}

/// <summary>The switch on.</summary>
internal readonly struct SwitchOn : IKernelSwitch
{
    /// <inheritdoc/>
    public static bool On => true;
}

/// <summary>The switch off.</summary>
internal readonly struct SwitchOff : IKernelSwitch
{
    /// <inheritdoc/>
    public static bool On => false;
}

/// <summary>
/// The vector tiles of <see cref="ShallowConvolution"/>, written once for every element type and vector width.
/// The band's output rows are cut into vectors of Count consecutive columns — the last one of a row moved back to end
/// at the row's last column, overlapping the one before (its columns are computed again, to the same bits) — and
/// the list of all of them, row after row, is taken three at a time, whatever rows they lie in: a tile is 4 output
/// channels × 3 vectors, 12 accumulators fed per tap by 3 input loads and 4 weight broadcasts. So no lanes are wasted
/// at row ends (26 columns of float are 4 vectors, not 2 tiles of 2) and every store is a whole vector; only images
/// narrower than one vector store part of one.
/// </summary>
internal static unsafe class ShallowTiles<T, TV, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private const int B = ShallowConvolution.ChannelBlock;

    /// <summary>Vectors per tile.</summary>
    private const int V = 3;

    /// <summary>The band's outputs, channel block by channel block (each block's planes are written front to back).</summary>
    public static void Run(in ConvGeometry g, in ShallowBand band, T* padded, int* offsets, T* packed, T* packedBias, T* output, bool relu)
    {
        int count = TSimd.Count, ow = g.OutWidth, perRow = (ow + count - 1) / count, rows = band.Last - band.First;
        int vectors = rows * perRow, tiles = (vectors + V - 1) / V;
        // in[i], out[i]: vector i's offset in the padded scratch and in an output plane. The list is padded to whole
        // tiles by repeating its last vector (stored twice, the same bits).
        int* at = PackScratch.Current.PackedA<int>(2L * tiles * V);
        int* outAt = at + tiles * V;
        for (int i = 0; i < tiles * V; i++)
        {
            int v = Math.Min(i, vectors - 1), row = v / perRow, j = v % perRow;
            int x = j == perRow - 1 ? Math.Max(0, ow - count) : j * count;
            at[i] = row * band.PaddedWidth + x;
            outAt[i] = (band.First + row) * ow + x;
        }
        var tile = new TileSet(padded, offsets, g.PatchSize, at, outAt, tiles, g.OutPlaneSize, Math.Min(ow, count));
        int blocks = (g.OutChannels + B - 1) / B;
        for (int block = 0; block < blocks; block++)
        {
            T* weights = packed + (long)block * g.PatchSize * B, bias = packedBias + block * B;
            T* planes = output + (long)block * B * g.OutPlaneSize;
            int channels = Math.Min(B, g.OutChannels - block * B);
            if (relu) Block<SwitchOn>(tile, weights, bias, planes, channels);
            else Block<SwitchOff>(tile, weights, bias, planes, channels);
        }
    }

    /// <summary>What every block of one band shares.</summary>
    private readonly struct TileSet(T* padded, int* offsets, int taps, int* at, int* outAt, int tiles, long plane, int lanes)
    {
        public readonly T* Padded = padded;
        public readonly int* Offsets = offsets;
        public readonly int Taps = taps;
        public readonly int* At = at;
        public readonly int* OutAt = outAt;
        public readonly int Tiles = tiles;
        public readonly long Plane = plane;
        /// <summary>Lanes each vector stores: Count, or the width of an image narrower than one vector.</summary>
        public readonly int Lanes = lanes;
    }

    /// <summary>
    /// Every tile of one channel block. One method with no calls inside, so the JIT keeps the 12 accumulators in
    /// registers (with a call on the store path, or inlined into a bigger loop, it stored them back after every FMA).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Block<TRelu>(in TileSet s, T* weights, T* bias, T* planes, int channels) where TRelu : struct, IKernelSwitch
    {
        int count = TSimd.Count, taps = s.Taps, lanes = s.Lanes;
        long plane = s.Plane;
        int* offsets = s.Offsets;
        T* partial = stackalloc T[count];
        TV b0 = TSimd.Splat(bias[0]), b1 = TSimd.Splat(bias[1]), b2 = TSimd.Splat(bias[2]), b3 = TSimd.Splat(bias[3]);
        for (int tile = 0; tile < s.Tiles; tile++)
        {
            T* p0 = s.Padded + s.At[V * tile], p1 = s.Padded + s.At[V * tile + 1], p2 = s.Padded + s.At[V * tile + 2];
            TV a00 = b0, a01 = b0, a02 = b0, a10 = b1, a11 = b1, a12 = b1;
            TV a20 = b2, a21 = b2, a22 = b2, a30 = b3, a31 = b3, a32 = b3;
            T* w = weights;
            for (int t = 0; t < taps; t++, w += B)
            {
                int off = offsets[t];
                TV x0 = TSimd.Load(p0 + off), x1 = TSimd.Load(p1 + off), x2 = TSimd.Load(p2 + off);
                TV wk = TSimd.Splat(w[0]);
                a00 = TSimd.Fma(wk, x0, a00);
                a01 = TSimd.Fma(wk, x1, a01);
                a02 = TSimd.Fma(wk, x2, a02);
                wk = TSimd.Splat(w[1]);
                a10 = TSimd.Fma(wk, x0, a10);
                a11 = TSimd.Fma(wk, x1, a11);
                a12 = TSimd.Fma(wk, x2, a12);
                wk = TSimd.Splat(w[2]);
                a20 = TSimd.Fma(wk, x0, a20);
                a21 = TSimd.Fma(wk, x1, a21);
                a22 = TSimd.Fma(wk, x2, a22);
                wk = TSimd.Splat(w[3]);
                a30 = TSimd.Fma(wk, x0, a30);
                a31 = TSimd.Fma(wk, x1, a31);
                a32 = TSimd.Fma(wk, x2, a32);
            }
            T* o0 = planes + s.OutAt[V * tile], o1 = planes + s.OutAt[V * tile + 1], o2 = planes + s.OutAt[V * tile + 2];
            if (lanes == count)
            {
                StoreChannel<TRelu>(o0, o1, o2, a00, a01, a02);
                if (channels > 1) StoreChannel<TRelu>(o0 + plane, o1 + plane, o2 + plane, a10, a11, a12);
                if (channels > 2) StoreChannel<TRelu>(o0 + 2 * plane, o1 + 2 * plane, o2 + 2 * plane, a20, a21, a22);
                if (channels > 3) StoreChannel<TRelu>(o0 + 3 * plane, o1 + 3 * plane, o2 + 3 * plane, a30, a31, a32);
                continue;
            }
            for (int k = 0; k < channels; k++)
            {
                long shift = k * plane;
                TV v0 = k == 0 ? a00 : k == 1 ? a10 : k == 2 ? a20 : a30;
                TV v1 = k == 0 ? a01 : k == 1 ? a11 : k == 2 ? a21 : a31;
                TV v2 = k == 0 ? a02 : k == 1 ? a12 : k == 2 ? a22 : a32;
                StorePart<TRelu>(o0 + shift, v0, lanes, partial);
                StorePart<TRelu>(o1 + shift, v1, lanes, partial);
                StorePart<TRelu>(o2 + shift, v2, lanes, partial);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Activated<TRelu>(TV v) where TRelu : struct, IKernelSwitch =>
        TRelu.On ? TSimd.MaxFast(TSimd.Splat(T.Zero), v) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannel<TRelu>(T* o0, T* o1, T* o2, TV v0, TV v1, TV v2) where TRelu : struct, IKernelSwitch
    {
        TSimd.Store(o0, Activated<TRelu>(v0));
        TSimd.Store(o1, Activated<TRelu>(v1));
        TSimd.Store(o2, Activated<TRelu>(v2));
    }

    /// <summary>The first <paramref name="lanes"/> lanes, through a buffer (a call to a copy here would cost the accumulators their registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePart<TRelu>(T* to, TV v, int lanes, T* partial) where TRelu : struct, IKernelSwitch
    {
        TSimd.Store(partial, Activated<TRelu>(v));
        for (int i = 0; i < lanes; i++) to[i] = partial[i];
    }
}
