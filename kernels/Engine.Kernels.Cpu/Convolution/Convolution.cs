using System.Numerics;
using System.Runtime.InteropServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// 2-D convolution over NCHW data and its two backward passes, as GEMMs over the im2col matrix built a block
/// of columns at a time (<see cref="Im2Col{T}"/>): forward Y_g = W_g · X̂_g, input gradient X̂_g = W_gᵀ · dY_g
/// folded back by col2im, weight gradient dW_g = Σ_images dY_g · X̂_gᵀ. A pointwise (1×1, stride 1, unpadded)
/// convolution skips im2col: the image is the matrix. The transposed convolution is the input-gradient pass.
/// A 3×3 unit-stride convolution with enough channels takes <see cref="Winograd"/> F(2×2, 3×3) instead, forward and
/// input gradient (see <see cref="Winograd.PaysForward"/> and <see cref="Winograd.PaysBackwardData"/>); a shallow
/// forward convolution (few input channels, see <see cref="ShallowConvolution.Pays{T}"/>) takes the direct
/// <see cref="ShallowConvolution"/>.
/// </summary>
/// <remarks>
/// Pointers are to contiguous tensors laid out as <see cref="ConvGeometry"/> describes; the weight is
/// [OutChannels, InChannels/Groups, kh, kw]. Work is split over <see cref="KernelThreads.Count"/> threads by
/// (image, group, column block) for the forward pass and by (image, group) for the input gradient; the weight
/// gradient gives each thread a fixed range of images and sums the per-thread partials in order, so every
/// result is deterministic for a given thread count.
/// </remarks>
public static unsafe class Convolution
{
    /// <summary>
    /// Bytes of im2col block each thread builds. Big enough that its rows are whole output rows (long copies,
    /// and GEMMs wide enough to run at speed), small enough to stay in L2/L3 while the GEMM packs it.
    /// </summary>
    private static readonly int ColumnBlockBytes =
        int.TryParse(Environment.GetEnvironmentVariable("ENGINE_CONV_BLOCK_KB"), out int kb) && kb > 0 ? kb * 1024 : 1024 * 1024;

    /// <summary>y = conv(x, w) + bias on the path <see cref="IsaDispatch.Active"/> chooses.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="bias">Bias [K], or null for none.</param>
    /// <param name="y">Output [N, K, OH, OW]; only written.</param>
    public static void Forward<T>(ConvGeometry geometry, T* x, T* w, T* bias, T* y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Forward(geometry, x, w, bias, y, IsaDispatch.Active);

    /// <summary>y = relu(conv(x, w) + bias), the ReLU applied to each block of output while it is still in cache.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="bias">Bias [K], or null for none.</param>
    /// <param name="y">Output [N, K, OH, OW]; only written.</param>
    /// <param name="isa">The path to take.</param>
    public static void ForwardRelu<T>(ConvGeometry geometry, T* x, T* w, T* bias, T* y, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Forward(geometry, x, w, bias, y, isa, relu: true);

    /// <summary>y = conv(x, w) + bias on the given path (see the overload without it).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="bias">Bias [K], or null for none.</param>
    /// <param name="y">Output [N, K, OH, OW]; only written.</param>
    /// <param name="isa">The GEMM path to take.</param>
    public static void Forward<T>(ConvGeometry geometry, T* x, T* w, T* bias, T* y, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Forward(geometry, x, w, bias, y, isa, relu: false);

    private static void Forward<T>(ConvGeometry geometry, T* x, T* w, T* bias, T* y, CpuIsa isa, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Checked<T>(geometry, isa, "Conv2d");
        if (Winograd.Applies(g) && Winograd.PaysForward(g))
        {
            Winograd.Forward(g, x, w, bias, y, isa, relu);
            return;
        }
        if (ShallowConvolution.Pays<T>(g, isa))
        {
            ShallowConvolution.Forward(g, x, w, bias, y, isa, relu);
            return;
        }
        int blockSize = ColumnBlockSize<T>(g, g.Batch * g.Groups);
        int blocks = (g.OutPlaneSize + blockSize - 1) / blockSize;
        KernelThreads.ForRange((long)g.Batch * g.Groups * blocks, 1, (start, end) =>
        {
            for (long item = start; item < end; item++)
            {
                int block = (int)(item % blocks);
                long imageGroup = item / blocks;
                ForwardBlock(g, (int)(imageGroup / g.Groups), (int)(imageGroup % g.Groups), block * blockSize, blockSize, x, w, bias, y, isa, relu);
            }
        });
    }

    /// <summary>
    /// dx = the gradient of conv(x, w) with respect to x, given dy (also the transposed convolution of dy) on
    /// the path <see cref="IsaDispatch.Active"/> chooses.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="dx">Input gradient [N, C, H, W]; only written.</param>
    public static void BackwardData<T>(ConvGeometry geometry, T* dy, T* w, T* dx)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BackwardData(geometry, dy, w, dx, IsaDispatch.Active);

    /// <summary>The input gradient on the given path (see the overload without it).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="dx">Input gradient [N, C, H, W]; only written.</param>
    /// <param name="isa">The GEMM path to take.</param>
    public static void BackwardData<T>(ConvGeometry geometry, T* dy, T* w, T* dx, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Checked<T>(geometry, isa, "Conv2dBackwardData");
        if (Winograd.AppliesToBackwardData(g) && Winograd.PaysBackwardData(g))
        {
            Winograd.BackwardData(g, dy, w, dx, isa);
            return;
        }
        if (FlippedConvolution(g) is { } flipped)
        {
            // Unit stride and many input channels: the input gradient is itself a convolution, of dy with the flipped
            // kernel, which takes the forward path (im2col blocks + GEMM straight into dx) instead of a GEMM into
            // columns and a col2im pass.
            T* flippedWeight = (T*)NativeMemory.AlignedAlloc((nuint)(g.WeightSize * sizeof(T)), 64);
            try
            {
                FlipKernel(g, w, flippedWeight);
                Forward(flipped, dy, flippedWeight, null, dx, isa);
            }
            finally
            {
                NativeMemory.AlignedFree(flippedWeight);
            }
            return;
        }
        KernelThreads.ForRange((long)g.Batch * g.Groups, 1, (start, end) =>
        {
            for (long item = start; item < end; item++)
                BackwardDataImage(g, (int)(item / g.Groups), (int)(item % g.Groups), dy, w, dx, isa);
        });
    }

    /// <summary>
    /// dw = the gradient of conv(x, w) with respect to w, given dy, summed over the batch, on the path
    /// <see cref="IsaDispatch.Active"/> chooses.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="dw">Weight gradient [K, C/G, kh, kw]; only written.</param>
    public static void BackwardWeight<T>(ConvGeometry geometry, T* x, T* dy, T* dw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        BackwardWeight(geometry, x, dy, dw, IsaDispatch.Active);

    /// <summary>The weight gradient on the given path (see the overload without it).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="dw">Weight gradient [K, C/G, kh, kw]; only written.</param>
    /// <param name="isa">The GEMM path to take.</param>
    public static void BackwardWeight<T>(ConvGeometry geometry, T* x, T* dy, T* dw, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Checked<T>(geometry, isa, "Conv2dBackwardWeight");
        long weightSize = g.WeightSize;
        new Span<T>(dw, checked((int)weightSize)).Clear();
        int chunks = Math.Max(1, Math.Min(KernelThreads.Count, g.Batch));
        // Chunk 0 accumulates straight into dw; the others into their own buffers, added in chunk order.
        var partials = new nint[chunks];
        try
        {
            for (int c = 1; c < chunks; c++)
            {
                partials[c] = (nint)NativeMemory.AlignedAlloc((nuint)(weightSize * sizeof(T)), 64);
                new Span<T>((void*)partials[c], (int)weightSize).Clear();
            }
            bool transposed = WeightGradientTransposed(g);
            KernelThreads.For(chunks, chunk =>
            {
                T* sum = chunk == 0 ? dw : (T*)partials[chunk];
                int first = (int)((long)g.Batch * chunk / chunks), last = (int)((long)g.Batch * (chunk + 1) / chunks);
                if (transposed)
                {
                    AccumulateTransposed(g, first, last, x, dy, sum, isa);
                    return;
                }
                for (int n = first; n < last; n++)
                    for (int group = 0; group < g.Groups; group++)
                        BackwardWeightImage(g, n, group, x, dy, sum, isa);
            });
            for (int c = 1; c < chunks; c++)
            {
                var into = new Span<T>(dw, (int)weightSize);
                var from = new ReadOnlySpan<T>((void*)partials[c], (int)weightSize);
                for (int i = 0; i < into.Length; i++) into[i] += from[i];
            }
        }
        finally
        {
            foreach (var p in partials) NativeMemory.AlignedFree((void*)p);
        }
    }

    /// <summary>
    /// For a unit-stride convolution whose padding is at most the dilated kernel's reach, the convolution that maps
    /// dy to dx: the same kernel size and dilation over dy with padding reach − pad per side and the channel roles
    /// swapped. Null when that does not apply (strided, pointwise — already a plain GEMM — or over-padded) or does not
    /// pay: its GEMM has C/G rows, and below <see cref="FlippedMinChannels"/> the col2im path is faster (measured
    /// on Zen 3, float, 1 thread: 32→64 channels at 13×13 5.7 ms col2im vs 9.8 flipped; 1→32 0.7 vs 9.2; 64→64 at
    /// 56×56 124 vs 104).
    /// </summary>
    private const int FlippedMinChannels = 64;

    private static ConvGeometry? FlippedConvolution(in ConvGeometry g)
    {
        int reachH = g.DilationHeight * (g.KernelHeight - 1), reachW = g.DilationWidth * (g.KernelWidth - 1);
        if (g.StrideHeight != 1 || g.StrideWidth != 1 || g.IsPointwise || g.GroupInChannels < FlippedMinChannels
            || Math.Max(g.PadTop, g.PadBottom) > reachH || Math.Max(g.PadLeft, g.PadRight) > reachW)
            return null;
        return g with
        {
            InChannels = g.OutChannels, InHeight = g.OutHeight, InWidth = g.OutWidth, OutChannels = g.InChannels,
            PadTop = reachH - g.PadTop, PadBottom = reachH - g.PadBottom, PadLeft = reachW - g.PadLeft, PadRight = reachW - g.PadRight,
        };
    }

    /// <summary>
    /// The weight of <see cref="FlippedConvolution"/>: [C, K/G, kh, kw] with flipped[c, k, i, j] = w[k, c, kh−1−i, kw−1−j]
    /// within each group.
    /// </summary>
    private static void FlipKernel<T>(in ConvGeometry g, T* w, T* flipped) where T : unmanaged
    {
        int cg = g.GroupInChannels, kg = g.GroupOutChannels, kh = g.KernelHeight, kw = g.KernelWidth, taps = kh * kw;
        for (int group = 0; group < g.Groups; group++)
            for (int k = 0; k < kg; k++)
                for (int c = 0; c < cg; c++)
                {
                    T* from = w + ((long)(group * kg + k) * cg + c) * taps;
                    T* to = flipped + ((long)(group * cg + c) * kg + k) * taps;
                    for (int t = 0; t < taps; t++) to[taps - 1 - t] = from[t];
                }
    }

    private static ConvGeometry Checked<T>(ConvGeometry g, CpuIsa isa, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.CheckElementType<T>();
        if (g.Problem() is { } problem) throw new ArgumentException($"{op}: {problem} ({g}).");
        IsaDispatch.Take(isa, "Gemm");
        return g;
    }

    /// <summary>
    /// Columns per im2col block: as many as fit <see cref="ColumnBlockBytes"/>, rounded down to whole output rows
    /// when at least one fits (else to a multiple of 16, the widest micro-kernel's Nr), but few enough that the
    /// blocks give every thread work when there are fewer (image, group) items than threads.
    /// </summary>
    private static int ColumnBlockSize<T>(in ConvGeometry g, long items) where T : unmanaged
    {
        int plane = g.OutPlaneSize, rowLength = g.OutWidth;
        long fit = Math.Max(16, ColumnBlockBytes / ((long)g.PatchSize * sizeof(T)));
        int threads = KernelThreads.Count;
        if (items < threads)
        {
            long blocksPerItem = (threads + items - 1) / items;
            fit = Math.Min(fit, Math.Max(16, (plane + blocksPerItem - 1) / blocksPerItem));
        }
        if (fit >= plane) return plane;
        return (int)(fit >= rowLength ? fit / rowLength * rowLength : Math.Max(16, fit / 16 * 16));
    }

    private static void ForwardBlock<T>(in ConvGeometry g, int n, int group, int colStart, int blockSize,
        T* x, T* w, T* bias, T* y, CpuIsa isa, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = Math.Min(blockSize, g.OutPlaneSize - colStart);
        int kg = g.GroupOutChannels, plane = g.OutPlaneSize;
        T* image = x + n * g.InImageSize + group * g.GroupInChannels * g.InPlaneSize;
        T* output = y + n * g.OutImageSize + (long)group * kg * plane + colStart;
        T beta = T.Zero;
        if (bias != null)
        {
            // Start C at the bias and let the GEMM accumulate onto it: no second pass over the output.
            for (int k = 0; k < kg; k++) new Span<T>(output + (long)k * plane, count).Fill(bias[group * kg + k]);
            beta = T.One;
        }
        var columns = Columns(g, image, colStart, count);
        var weights = new StridedMatrix<T>(w + (long)group * kg * g.PatchSize, g.PatchSize, 1);
        Gemm.RunChecked(kg, count, g.PatchSize, T.One, weights, columns, beta, output, plane, isa, threads: 1);
        if (relu && count == plane)
            Unary.Apply(UnaryOp.Relu, output, output, (long)kg * plane, T.Zero, T.Zero, isa); // whole planes: one contiguous run
        else if (relu)
            for (int k = 0; k < kg; k++) Unary.Apply(UnaryOp.Relu, output + (long)k * plane, output + (long)k * plane, count, T.Zero, T.Zero, isa);
    }

    private static void BackwardDataImage<T>(in ConvGeometry g, int n, int group, T* dy, T* w, T* dx, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kg = g.GroupOutChannels, plane = g.OutPlaneSize;
        T* image = dx + n * g.InImageSize + group * g.GroupInChannels * g.InPlaneSize;
        T* gradient = dy + n * g.OutImageSize + (long)group * kg * plane;
        // Wᵀ: element (r, k) of the PatchSize×kg matrix is w[k·PatchSize + r].
        var weightsT = new StridedMatrix<T>(w + (long)group * kg * g.PatchSize, 1, g.PatchSize);
        if (g.IsPointwise)
        {
            Gemm.RunChecked(g.PatchSize, plane, kg, T.One, weightsT, new StridedMatrix<T>(gradient, plane, 1),
                T.Zero, image, g.InPlaneSize, isa, threads: 1);
            return;
        }
        new Span<T>(image, checked((int)(g.GroupInChannels * g.InPlaneSize))).Clear();
        int blockSize = ColumnBlockSize<T>(g, long.MaxValue);
        T* columns = ColumnScratch<T>(g, blockSize);
        for (int colStart = 0; colStart < plane; colStart += blockSize)
        {
            int count = Math.Min(blockSize, plane - colStart);
            Gemm.RunChecked(g.PatchSize, count, kg, T.One, weightsT, new StridedMatrix<T>(gradient + colStart, plane, 1),
                T.Zero, columns, count, isa, threads: 1);
            Im2Col<T>.ScatterAdd(g, image, colStart, count, columns);
        }
    }

    private static void BackwardWeightImage<T>(in ConvGeometry g, int n, int group, T* x, T* dy, T* sum, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kg = g.GroupOutChannels, plane = g.OutPlaneSize;
        T* image = x + n * g.InImageSize + group * g.GroupInChannels * g.InPlaneSize;
        T* gradient = dy + n * g.OutImageSize + (long)group * kg * plane;
        T* weightGradient = sum + (long)group * kg * g.PatchSize;
        int blockSize = g.IsPointwise ? plane : ColumnBlockSize<T>(g, long.MaxValue);
        for (int colStart = 0; colStart < plane; colStart += blockSize)
        {
            int count = Math.Min(blockSize, plane - colStart);
            Gemm.RunChecked(kg, g.PatchSize, count, T.One, new StridedMatrix<T>(gradient + colStart, plane, 1),
                Columns(g, image, colStart, count).Transpose(),
                T.One, weightGradient, g.PatchSize, isa, threads: 1);
        }
    }

    /// <summary>
    /// Whether the weight gradient is computed as its transpose, dWᵀ = X̂ · dYᵀ: the GEMM then reads the im2col block
    /// in place as its A operand (rows contiguous along k) and packs only dY, where dW = dY · X̂ᵀ packs X̂ᵀ — a transpose
    /// of the whole block, PatchSize/OutChannels times larger than dY — and, with few taps (a first layer on one or
    /// three input channels has 9 or 27), fills a fraction of each micro-tile. Measured on Zen 3 (float, 1 thread,
    /// ms per call): 32→64 channels at 13×13, batch 64, 5.0–6.1 → 4.3–4.4; 64→64 at 56×56, batch 32, 130 → 108;
    /// 3→32 at 32×32, batch 32, 1.64 → 1.19. A pointwise convolution keeps dY · X̂ᵀ, whose X̂ is the image itself.
    /// </summary>
    private static bool WeightGradientTransposed(in ConvGeometry g) => !g.IsPointwise;

    /// <summary>Adds images [first, last) into <paramref name="sum"/> through dWᵀ in a scratch buffer, transposed back once.</summary>
    private static void AccumulateTransposed<T>(in ConvGeometry g, int first, int last, T* x, T* dy, T* sum, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kg = g.GroupOutChannels, patch = g.PatchSize, plane = g.OutPlaneSize;
        int blockSize = g.IsPointwise ? plane : ColumnBlockSize<T>(g, long.MaxValue);
        long sumSize = (long)g.Groups * patch * kg;
        T* ts = (T*)NativeMemory.AlignedAlloc((nuint)(sumSize * sizeof(T)), 64);
        try
        {
            new Span<T>(ts, checked((int)sumSize)).Clear();
            for (int n = first; n < last; n++)
                for (int group = 0; group < g.Groups; group++)
                {
                    T* image = x + n * g.InImageSize + group * g.GroupInChannels * g.InPlaneSize;
                    T* gradient = dy + n * g.OutImageSize + (long)group * kg * plane;
                    for (int colStart = 0; colStart < plane; colStart += blockSize)
                    {
                        int count = Math.Min(blockSize, plane - colStart);
                        // X̂ (patch×count) times dYᵀ (count×kg): dYᵀ(s, k) = gradient[k·plane + colStart + s].
                        Gemm.RunChecked(patch, kg, count, T.One, Columns(g, image, colStart, count), new StridedMatrix<T>(gradient + colStart, 1, plane),
                            T.One, ts + (long)group * patch * kg, kg, isa, threads: 1);
                    }
                }
            for (int group = 0; group < g.Groups; group++)
                for (int k = 0; k < kg; k++)
                    for (int r = 0; r < patch; r++)
                        sum[((long)group * kg + k) * patch + r] += ts[((long)group * patch + r) * kg + k];
        }
        finally
        {
            NativeMemory.AlignedFree(ts);
        }
    }

    /// <summary>
    /// The PatchSize×count block of the im2col matrix X̂ starting at column <paramref name="colStart"/>: the image
    /// itself for a pointwise convolution (row r is channel r's plane), else gathered into the thread's scratch.
    /// </summary>
    private static StridedMatrix<T> Columns<T>(in ConvGeometry g, T* image, int colStart, int count) where T : unmanaged, INumberBase<T>
    {
        if (g.IsPointwise) return new(image + colStart, g.InPlaneSize, 1);
        T* columns = ColumnScratch<T>(g, count);
        Im2Col<T>.Gather(g, image, colStart, count, columns);
        return new(columns, count, 1);
    }

    private static T* ColumnScratch<T>(in ConvGeometry g, int count) where T : unmanaged =>
        PackScratch.Current.Columns<T>((long)g.PatchSize * count);
}
