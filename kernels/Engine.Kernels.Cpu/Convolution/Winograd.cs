using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Winograd F(2×2, 3×3) convolution: each 2×2 block of outputs of a 3×3, unit-stride convolution from a 4×4 block
/// of input in 16 multiplies instead of 36. Y = Aᵀ·[(G·w·Gᵀ) ⊙ (Bᵀ·d·B)]·A per tile; summed over the input
/// channels this is 16 independent GEMMs M_ξ = U_ξ · V_ξ ([K×C] · [C×tiles]), run by <see cref="Gemm"/>.
/// </summary>
/// <remarks>
/// <para>The weight is transformed once per call (U, 16·K·C values). The batch is cut into chunks of whole images
/// with about <see cref="TargetTiles"/> tiles, so each GEMM is wide enough to run at speed while the chunk's V and M
/// stay near L2; chunks go to <see cref="KernelThreads"/> threads, and since a chunk's size does not depend on the
/// thread count, neither do the results. The input and output transforms (adds only: constants 0, ±1, ±½ are
/// all in G) run on whole vectors of tiles along a tile row (<see cref="IWinogradTiles{T}"/>); outputs of the
/// ragged last tile row or column that fall outside the image are dropped.</para>
/// <para>The input gradient of a 3×3 unit-stride convolution with padding p ≤ 2 per side is the 3×3 convolution
/// of dy with the flipped, channel-swapped kernel and padding 2 − p (<see cref="BackwardData{T}"/>), which
/// reuses the forward machinery with the flip folded into the weight transform.</para>
/// <para>Measured on Zen 3 (EPYC, shared 2-core VM), float, AVX2, 1 thread, this thread's CPU time, best of 20 after
/// 1.5 s of warm-up, im2col path (col2im or flipped im2col for the input gradient) and Winograd alternately in one
/// process, in ms (batch, C→K, image, padding):
/// <code>
///                          forward                 input gradient
///                          im2col  Winograd        existing  Winograd
/// 64, 32→64, 13×13, 0       5.26    3.57 (1.47×)     5.58     5.08 (1.10×)   MNIST conv 2
/// 64,  1→32, 28×28, 0       0.79    2.34 (0.34×)     0.72     5.47 (0.13×)   MNIST conv 1: stays on im2col
/// 32,  3→32, 32×32, 1       1.32    1.75 (0.75×)     1.67     2.09 (0.80×)   stays on im2col
/// 32, 64→64, 56×56, 1     108.6    57.9  (1.87×)   121.0     83.2  (1.45×)
/// 64, 16→32, 13×13, 0       2.41    1.75 (1.38×)     2.35     2.62 (0.90×)   input gradient stays
/// 64,  8→16, 28×28, 1       3.22    2.54 (1.27×)     2.90     2.94 (0.99×)   input gradient stays
/// 64, 16→16, 28×28, 1       6.21    3.85 (1.61×)     5.91     4.10 (1.44×)   input gradient stays (rule)
/// 32, 32→32, 16×16, 1       3.58    1.86 (1.93×)     3.48     1.75 (1.99×)
/// 64, 64→32, 11×11, 0       5.95    3.13 (1.90×)     7.16     4.82 (1.49×)
/// </code>
/// The load on the machine varied a lot (load average 15–110); repeated runs moved single entries by up to 25 %.
/// The chunk target (<see cref="TargetTiles"/>) was swept over 96–1152 tiles for the 13×13 layers: no clear
/// optimum above the noise, 256 kept. With 1–3 input channels the GEMMs are 1–3 deep and the transforms dominate.</para>
/// </remarks>
internal static unsafe class Winograd
{
    /// <summary>
    /// Tiles per chunk (all of a chunk's images together). ENGINE_WINOGRAD_TILES overrides it for measurement.
    /// </summary>
    private static readonly int TargetTiles =
        int.TryParse(Environment.GetEnvironmentVariable("ENGINE_WINOGRAD_TILES"), out int t) && t > 0 ? t : 256;

    /// <summary>Whether the convolution is one F(2×2, 3×3) computes: a 3×3 kernel, unit stride and dilation, one group.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1;

    /// <summary>Whether the input gradient of the convolution is one: <see cref="Applies"/> and no side padded by more than 2.</summary>
    public static bool AppliesToBackwardData(in ConvGeometry g) =>
        Applies(g) && Math.Max(Math.Max(g.PadTop, g.PadBottom), Math.Max(g.PadLeft, g.PadRight)) <= 2;

    /// <summary>
    /// Whether the forward pass is faster here than im2col + GEMM: at least 8 input and 16 output channels (from the
    /// table in the class remarks: 8→16 1.27×, 16→32 1.38×, … but 1→32 0.34×, 3→32 0.75×).
    /// </summary>
    /// <remarks>Also false when the batch gives fewer chunks than there are threads: im2col splits one image over threads.</remarks>
    public static bool PaysForward(in ConvGeometry g) => Enabled && g.InChannels >= 8 && g.OutChannels >= 16 && FillsThreads(g);

    /// <summary>False turns the dispatch to Winograd off, so a benchmark can time the im2col path in the same process.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether the input gradient is faster here than the existing paths (col2im, or the flipped im2col convolution):
    /// at least 32 input and 16 output channels (class remarks: 32→64 1.10×, 32→32 1.99×, 64→32 1.49×, 64→64 1.45×;
    /// with 16 input channels 16→16 gained 1.44× but 16→32 at 13×13 lost, 0.90×, so 16 stays on the old path).
    /// </summary>
    /// <remarks>Also false when the batch gives fewer chunks than there are threads.</remarks>
    public static bool PaysBackwardData(in ConvGeometry g) => Enabled && g.InChannels >= 32 && g.OutChannels >= 16 && FillsThreads(Flipped(g));

    /// <summary>
    /// Whether every thread gets a chunk of images. Chunks are never cut smaller for more threads: that would make
    /// the results depend on the thread count.
    /// </summary>
    private static bool FillsThreads(in ConvGeometry computed) =>
        KernelThreads.Count == 1 || new WinogradPlan(computed, TargetTiles).Chunks >= KernelThreads.Count;

    /// <summary>y = conv(x, w) (+ bias) (then ReLU), with the meaning and layouts of <see cref="Convolution"/>; y is only written.</summary>
    public static void Forward<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies(g)) throw new ArgumentException($"Winograd: the convolution is not 3×3 with unit stride and dilation and one group ({g}).");
        Run(g, x, w, flipWeight: false, bias, y, isa, relu);
    }

    /// <summary>dx for the forward convolution <paramref name="g"/>, given dy; dx is only written.</summary>
    public static void BackwardData<T>(in ConvGeometry g, T* dy, T* w, T* dx, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!AppliesToBackwardData(g))
            throw new ArgumentException($"Winograd backward data: the convolution is not 3×3 with unit stride and dilation, one group and padding at most 2 ({g}).");
        Run(Flipped(g), dy, w, flipWeight: true, null, dx, isa, relu: false);
    }

    /// <summary>The convolution that maps dy to dx: over dy, channels swapped, padding 2 − p per side.</summary>
    private static ConvGeometry Flipped(in ConvGeometry g) => g with
    {
        InChannels = g.OutChannels, InHeight = g.OutHeight, InWidth = g.OutWidth, OutChannels = g.InChannels,
        PadTop = 2 - g.PadTop, PadBottom = 2 - g.PadBottom, PadLeft = 2 - g.PadLeft, PadRight = 2 - g.PadRight,
    };

    private static void Run<T>(ConvGeometry g, T* x, T* w, bool flipWeight, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch == 0) return;
        var plan = new WinogradPlan(g, TargetTiles);
        T* u = (T*)NativeMemory.AlignedAlloc((nuint)(16L * g.OutChannels * g.InChannels * sizeof(T)), 64);
        try
        {
            TransformWeights(g, w, flipWeight, u);
            KernelThreads.ForRange(plan.Chunks, 1, (start, end) =>
            {
                var workspace = WinogradWorkspace.For<T>(plan);
                for (long chunk = start; chunk < end; chunk++)
                {
                    int first = (int)chunk * plan.ChunkImages, last = Math.Min(g.Batch, first + plan.ChunkImages);
                    switch (isa)
                    {
                        case CpuIsa.Avx2:
                            RunChunk<T, WinogradTilesVector<T, Vector256<T>, Simd256<T>>>(plan, workspace, first, last, x, u, bias, y, isa, relu);
                            break;
                        case CpuIsa.Avx512:
                            RunChunk<T, WinogradTilesVector<T, Vector512<T>, Simd512<T>>>(plan, workspace, first, last, x, u, bias, y, isa, relu);
                            break;
                        default:
                            RunChunk<T, WinogradTilesScalar<T>>(plan, workspace, first, last, x, u, bias, y, isa, relu);
                            break;
                    }
                }
            });
        }
        finally
        {
            NativeMemory.AlignedFree(u);
        }
    }

    /// <summary>
    /// U_ξ[k, c] = (G·w[k, c]·Gᵀ)_ξ, or for <paramref name="flip"/> the kernel of the input-gradient convolution:
    /// w[c, k] rotated by 180° (the weight is then [C_geometry, K_geometry, 3, 3]).
    /// </summary>
    private static void TransformWeights<T>(in ConvGeometry g, T* w, bool flip, T* u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.OutChannels, c = g.InChannels;
        long xiStride = (long)k * c;
        T* taps = stackalloc T[9];
        for (int ko = 0; ko < k; ko++)
            for (int ci = 0; ci < c; ci++)
            {
                T* from = flip ? w + ((long)ci * k + ko) * 9 : w + ((long)ko * c + ci) * 9;
                for (int i = 0; i < 9; i++) taps[i] = from[flip ? 8 - i : i];
                TransformKernel(taps, u + (long)ko * c + ci, xiStride);
            }
    }

    /// <summary>G·g·Gᵀ of one 3×3 kernel, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; element ξ to u[ξ·xiStride].</summary>
    private static void TransformKernel<T>(T* g, T* u, long xiStride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5);
        T* h = stackalloc T[12];
        for (int j = 0; j < 3; j++)
        {
            T a0 = g[j], a1 = g[3 + j], a2 = g[6 + j];
            h[j] = a0;
            h[3 + j] = (a0 + a1 + a2) * half;
            h[6 + j] = (a0 - a1 + a2) * half;
            h[9 + j] = a2;
        }
        for (int i = 0; i < 4; i++)
        {
            T b0 = h[3 * i], b1 = h[3 * i + 1], b2 = h[3 * i + 2];
            u[(4 * i) * xiStride] = b0;
            u[(4 * i + 1) * xiStride] = (b0 + b1 + b2) * half;
            u[(4 * i + 2) * xiStride] = (b0 - b1 + b2) * half;
            u[(4 * i + 3) * xiStride] = b2;
        }
    }

    /// <summary>Images [first, last): V by the input transform, the 16 GEMMs into M, then the output transform into y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunChunk<T, TTiles>(in WinogradPlan p, WinogradWorkspace ws, int first, int last,
        T* x, T* u, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T> where TTiles : IWinogradTiles<T>
    {
        var g = p.Geometry;
        T* vs = ws.V<T>(), ms = ws.M<T>(), even = ws.Even<T>(), odd = ws.Odd<T>(), tile = ws.Tile<T>();
        int c = g.InChannels, k = g.OutChannels, tiles = (last - first) * p.ImageTiles;
        long vXi = p.VStride, mXi = p.MStride;
        // Channel by channel, image by image, tile row by tile row: a row's vector overrun lands on tiles written later.
        for (int ci = 0; ci < c; ci++)
            for (int n = first; n < last; n++)
            {
                DeinterleavePadded(p, x + n * g.InImageSize + ci * g.InPlaneSize, even, odd);
                T* v = vs + ci * p.Ld + (long)(n - first) * p.ImageTiles;
                for (int ti = 0; ti < p.TileRows; ti++)
                    TTiles.Input(even + 2 * ti * p.PlaneWidth, odd + 2 * ti * p.PlaneWidth, p.PlaneWidth, p.TileColumns,
                        v + ti * p.TileColumns, vXi);
            }
        for (int xi = 0; xi < 16; xi++)
            Gemm.RunChecked(k, tiles, c, T.One, new StridedMatrix<T>(u + xi * (long)k * c, c, 1),
                new StridedMatrix<T>(vs + xi * vXi, p.Ld, 1), T.Zero, ms + xi * mXi, p.Ld, isa, threads: 1);
        for (int ko = 0; ko < k; ko++)
        {
            T b = bias == null ? T.Zero : bias[ko];
            for (int n = first; n < last; n++)
            {
                T* m = ms + ko * p.Ld + (long)(n - first) * p.ImageTiles;
                T* plane = y + n * g.OutImageSize + (long)ko * g.OutPlaneSize;
                for (int ti = 0; ti < p.TileRows; ti++)
                {
                    TTiles.Output(m + ti * p.TileColumns, mXi, p.TileColumns, tile, p.TileStride);
                    Scatter(p, tile, plane, ti, b, relu);
                }
            }
        }
    }

    /// <summary>
    /// The zero-padded input plane (rows −PadTop … 2·TileRows + 1 − PadTop, columns −PadLeft onwards) with even and
    /// odd columns in separate planes of <see cref="WinogradPlan.PlaneWidth"/> columns each.
    /// </summary>
    private static void DeinterleavePadded<T>(in WinogradPlan p, T* plane, T* even, T* odd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = p.Geometry;
        int width = g.InWidth, pw = p.PlaneWidth;
        for (int row = 0; row < p.PlaneHeight; row++)
        {
            T* e = even + row * pw, o = odd + row * pw;
            int ih = row - g.PadTop;
            if ((uint)ih >= (uint)g.InHeight)
            {
                new Span<T>(e, pw).Clear();
                new Span<T>(o, pw).Clear();
                continue;
            }
            T* source = plane + (long)ih * width - g.PadLeft;
            // Columns 2j − PadLeft and 2j + 1 − PadLeft are both inside the row for j in [inner, outer).
            int inner = Math.Min(pw, (g.PadLeft + 1) / 2), outer = Math.Max(inner, Math.Min(pw, (width + g.PadLeft) / 2));
            for (int j = 0; j < inner; j++) Edge(source, j, width, g.PadLeft, e, o);
            for (int j = inner; j < outer; j++)
            {
                e[j] = source[2 * j];
                o[j] = source[2 * j + 1];
            }
            for (int j = outer; j < pw; j++) Edge(source, j, width, g.PadLeft, e, o);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Edge<T>(T* source, int j, int width, int padLeft, T* even, T* odd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int iw = 2 * j - padLeft;
        even[j] = (uint)iw < (uint)width ? source[2 * j] : T.Zero;
        odd[j] = (uint)(iw + 1) < (uint)width ? source[2 * j + 1] : T.Zero;
    }

    /// <summary>Writes tile row <paramref name="ti"/>'s outputs (+ bias, then ReLU) where they fall inside the output plane.</summary>
    private static void Scatter<T>(in WinogradPlan p, T* tile, T* plane, int ti, T bias, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outW = p.Geometry.OutWidth, s = p.TileStride;
        bool secondRow = 2 * ti + 1 < p.Geometry.OutHeight, oddWidth = (outW & 1) != 0;
        int full = oddWidth ? p.TileColumns - 1 : p.TileColumns;
        for (int a = 0; a < (secondRow ? 2 : 1); a++)
        {
            T* left = tile + 2 * a * s, right = tile + (2 * a + 1) * s;
            T* row = plane + (long)(2 * ti + a) * outW;
            if (relu)
                for (int tj = 0; tj < full; tj++)
                {
                    row[2 * tj] = T.Max(left[tj] + bias, T.Zero);
                    row[2 * tj + 1] = T.Max(right[tj] + bias, T.Zero);
                }
            else
                for (int tj = 0; tj < full; tj++)
                {
                    row[2 * tj] = left[tj] + bias;
                    row[2 * tj + 1] = right[tj] + bias;
                }
            if (oddWidth) row[2 * full] = Activate(left[full] + bias, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Activate<T>(T v, bool relu) where T : IFloatingPointIeee754<T> => relu ? T.Max(v, T.Zero) : v;
}

/// <summary>The tiling of one Winograd convolution: tile counts, chunk size and the scratch layouts.</summary>
internal readonly record struct WinogradPlan
{
    public WinogradPlan(ConvGeometry g, int targetTiles)
    {
        Geometry = g;
        TileRows = (g.OutHeight + 1) / 2;
        TileColumns = (g.OutWidth + 1) / 2;
        ImageTiles = TileRows * TileColumns;
        ChunkImages = Math.Clamp((targetTiles + ImageTiles - 1) / ImageTiles, 1, Math.Max(1, g.Batch));
        Ld = ChunkImages * ImageTiles + IWinogradTiles<float>.Slack;
        PlaneHeight = 2 * TileRows + 2;
        PlaneWidth = TileColumns + 1;
        TileStride = TileColumns + IWinogradTiles<float>.Slack;
        VStride = XiStride(g.InChannels * Ld);
        MStride = XiStride(g.OutChannels * Ld);
    }

    /// <summary>Elements between the 16 matrices of V.</summary>
    public long VStride { get; }

    /// <summary>Elements between the 16 matrices of M.</summary>
    public long MStride { get; }

    /// <summary>
    /// The matrix size padded so that the transforms' 16 streams, one per matrix, sit 5 cache lines apart modulo
    /// 4 KiB: at a multiple of 4 KiB they would all fall in one L1 set (measured: the output transform of the
    /// 32→64-channel 13×13 layer ran 4× slower).
    /// </summary>
    private static long XiStride(long elements)
    {
        const long Line = 16, Page = 1024, Offset = 5 * Line; // in floats; for doubles twice the bytes, still spread
        long rounded = (elements + Line - 1) / Line * Line;
        return rounded + ((Offset - rounded % Page) % Page + Page) % Page;
    }

    /// <summary>The convolution computed (for the input gradient, the flipped one).</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Rows of 2×2 output tiles: ⌈OH / 2⌉.</summary>
    public int TileRows { get; }

    /// <summary>Columns of 2×2 output tiles: ⌈OW / 2⌉.</summary>
    public int TileColumns { get; }

    /// <summary>Tiles per image.</summary>
    public int ImageTiles { get; }

    /// <summary>Images per chunk.</summary>
    public int ChunkImages { get; }

    /// <summary>Chunks of the batch.</summary>
    public int Chunks => (Geometry.Batch + ChunkImages - 1) / ChunkImages;

    /// <summary>Row stride of V and M: a full chunk's tiles plus room for a vector's overrun.</summary>
    public long Ld { get; }

    /// <summary>Rows of the padded, deinterleaved input plane.</summary>
    public int PlaneHeight { get; }

    /// <summary>Columns of each half (even, odd) of the deinterleaved plane.</summary>
    public int PlaneWidth { get; }

    /// <summary>Row stride of the four output rows of one tile row.</summary>
    public int TileStride { get; }
}

/// <summary>
/// One thread's buffers for <see cref="Winograd"/>, kept for the thread's next call and grown only when a larger
/// plan needs more (a fresh megabyte per call cost page faults and clearing). Lanes a vector path computes past
/// a row's end may hold anything; they are never written to the output.
/// </summary>
internal sealed unsafe class WinogradWorkspace
{
    [ThreadStatic] private static WinogradWorkspace? t_current;

    private readonly void*[] _buffers = new void*[5];
    private readonly nuint[] _capacities = new nuint[5];

    /// <summary>The calling thread's buffers, each big enough for <paramref name="p"/> in <typeparamref name="T"/>.</summary>
    public static WinogradWorkspace For<T>(in WinogradPlan p) where T : unmanaged
    {
        var w = t_current ??= new WinogradWorkspace();
        long plane = (long)p.PlaneHeight * p.PlaneWidth + IWinogradTiles<T>.Slack + 1;
        w.Ensure<T>(0, 16 * p.VStride);
        w.Ensure<T>(1, 16 * p.MStride);
        w.Ensure<T>(2, plane);
        w.Ensure<T>(3, plane);
        w.Ensure<T>(4, 4L * p.TileStride);
        return w;
    }

    /// <summary>The transformed input: 16 matrices [C × Ld].</summary>
    public T* V<T>() where T : unmanaged => (T*)_buffers[0];

    /// <summary>The products: 16 matrices [K × Ld].</summary>
    public T* M<T>() where T : unmanaged => (T*)_buffers[1];

    /// <summary>Even columns of the padded input plane.</summary>
    public T* Even<T>() where T : unmanaged => (T*)_buffers[2];

    /// <summary>Odd columns of the padded input plane.</summary>
    public T* Odd<T>() where T : unmanaged => (T*)_buffers[3];

    /// <summary>The four outputs of each tile of one tile row.</summary>
    public T* Tile<T>() where T : unmanaged => (T*)_buffers[4];

    private void Ensure<T>(int buffer, long elements) where T : unmanaged
    {
        nuint bytes = (nuint)(elements * sizeof(T));
        if (bytes <= _capacities[buffer]) return;
        NativeMemory.AlignedFree(_buffers[buffer]);
        _buffers[buffer] = null;
        _capacities[buffer] = 0;
        _buffers[buffer] = NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_buffers[buffer], bytes); // finite numbers in the lanes past the rows' ends, never denormal junk
        _capacities[buffer] = bytes;
    }

    ~WinogradWorkspace()
    {
        foreach (var buffer in _buffers) NativeMemory.AlignedFree(buffer);
    }
}
