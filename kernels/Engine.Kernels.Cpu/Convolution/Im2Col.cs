using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The im2col matrix of one image and channel group, a block of columns at a time, and its adjoint. Row
/// r = (c, i, j) of the matrix holds, for each output position s = (oh, ow), the input element that kernel tap
/// (i, j) of channel c sees there (zero in the padding): so the convolution of the group is W_g · im2col.
/// </summary>
/// <remarks>
/// Building only a block of columns keeps the matrix small enough to stay in L2 while the GEMM packs it, which
/// is what makes this an implicit-GEMM scheme rather than a full im2col buffer.
/// </remarks>
internal static unsafe class Im2Col<T> where T : unmanaged, INumberBase<T>
{
    /// <summary>
    /// dst[r·count + q] = im2col(r, colStart + q) for every row r of the group whose first channel plane is
    /// <paramref name="image"/>, and q in [0, <paramref name="count"/>).
    /// </summary>
    public static void Gather(in ConvGeometry g, T* image, int colStart, int count, T* dst) =>
        Walk<GatherRuns>(g, image, colStart, count, dst);

    /// <summary>
    /// The adjoint of <see cref="Gather"/>: adds src[r·count + q] into the input element that im2col(r, colStart + q)
    /// was read from (padding positions are dropped). Overlapping taps accumulate.
    /// </summary>
    public static void ScatterAdd(in ConvGeometry g, T* image, int colStart, int count, T* src) =>
        Walk<ScatterRuns>(g, image, colStart, count, src);

    /// <summary>What to do with one run: the part of an im2col row lying in one output row.</summary>
    private interface IRunAction
    {
        /// <summary>
        /// <paramref name="line"/> is the input row the run reads (null when that row is padding); the run's
        /// elements are line[iw + q·stride] and columns[q] for q &lt; run, of which those with q in
        /// [<paramref name="first"/>, <paramref name="last"/>) lie inside the row (the rest are padding).
        /// </summary>
        static abstract void Run(T* line, int iw, int stride, int run, int first, int last, T* columns);

        /// <summary>A unit-stride run lying wholly inside its input row: the cells from[q] and columns[q], q &lt; run.</summary>
        static abstract void Inside(T* from, int run, T* columns);

        /// <summary>A run whose input row is padding.</summary>
        static abstract void Padding(int run, T* columns);
    }

    private struct GatherRuns : IRunAction
    {
        public static void Run(T* line, int iw, int stride, int run, int first, int last, T* columns)
        {
            if (line == null) new Span<T>(columns, run).Clear();
            else GatherRun(line, iw, stride, run, first, last, columns);
        }

        public static void Inside(T* from, int run, T* columns) => RunCopy.Copy(from, columns, run);

        public static void Padding(int run, T* columns) => new Span<T>(columns, run).Clear();
    }

    private struct ScatterRuns : IRunAction
    {
        public static void Run(T* line, int iw, int stride, int run, int first, int last, T* columns)
        {
            if (line != null) ScatterRun(line, iw, stride, first, last, columns);
        }

        public static void Inside(T* from, int run, T* columns) => AddInto(from, columns, run);

        public static void Padding(int run, T* columns)
        {
        }
    }

    /// <summary>
    /// Visits the block of the im2col matrix (rows r = (c, i, j), columns [colStart, colStart + count)) one run at a
    /// time: a run is the stretch of a row that lies in one output row, so its input cells share one input row.
    /// </summary>
    /// <remarks>
    /// Runs are short (a late layer's output rows are about a dozen wide) and there are patch-size × output-rows of
    /// them, so the walk steps the output position instead of dividing for it, and takes the inside range of a
    /// whole output row — the same for every row of one kernel column j — from one computation per (c, i, j):
    /// three integer divisions per run had made the walk cost more than its copies.
    /// </remarks>
    private static void Walk<TAction>(in ConvGeometry g, T* image, int colStart, int count, T* matrix) where TAction : struct, IRunAction
    {
        int end = colStart + count, outWidth = g.OutWidth, width = g.InWidth, strideW = g.StrideWidth;
        int firstRow = colStart / outWidth, firstColumn = colStart - firstRow * outWidth;
        // A block of whole output rows (the usual case: blocks are whole planes or whole rows) whose run for kernel
        // column j lies inside the input row for every output row takes the tight loop, a copy per output row.
        bool wholeRows = firstColumn == 0 && count % outWidth == 0 && strideW == 1;
        T* row = matrix;
        for (int c = 0; c < g.GroupInChannels; c++)
        {
            T* plane = image + c * g.InPlaneSize;
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++, row += count)
                {
                    int rowIw = -g.PadLeft + j * g.DilationWidth;
                    var (wholeFirst, wholeLast) = InsideRange(width, rowIw, strideW, outWidth);
                    if (wholeRows && wholeFirst == 0 && wholeLast == outWidth)
                    {
                        int ih = firstRow * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                        for (T* to = row; to < row + count; to += outWidth, ih += g.StrideHeight)
                        {
                            if ((uint)ih < (uint)g.InHeight) TAction.Inside(plane + (long)ih * width + rowIw, outWidth, to);
                            else TAction.Padding(outWidth, to);
                        }
                        continue;
                    }
                    int oh = firstRow, ow = firstColumn;
                    for (int s = colStart; s < end; oh++, ow = 0)
                    {
                        int run = Math.Min(outWidth - ow, end - s);
                        int ihRun = oh * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                        int iw = ow * strideW + rowIw;
                        T* line = (uint)ihRun < (uint)g.InHeight ? plane + (long)ihRun * width : null;
                        var (first, last) = run == outWidth ? (wholeFirst, wholeLast) : InsideRange(width, iw, strideW, run);
                        TAction.Run(line, iw, strideW, run, first, last, row + (s - colStart));
                        s += run;
                    }
                }
            }
        }
    }

    /// <summary>to[q] = line[iw + q·stride] for q in [first, last) (inside the row), else zero.</summary>
    /// <remarks>
    /// Runs are one output row long (often a dozen elements), and there are patch-size × output-rows of them per
    /// image, so the per-run overhead matters as much as the copy: plain loops, and vector copies that may
    /// overlap within the run rather than a scalar tail.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherRun(T* line, int iw, int stride, int run, int first, int last, T* to)
    {
        for (int q = 0; q < first; q++) to[q] = T.Zero;
        if (stride == 1) RunCopy.Copy(line + iw + first, to + first, last - first);
        else
        {
            T* from = line + iw;
            for (int q = first; q < last; q++) to[q] = from[(long)q * stride];
        }
        for (int q = last; q < run; q++) to[q] = T.Zero;
    }

    /// <summary>line[iw + q·stride] += from[q] for q in [first, last) (inside the row).</summary>
    private static void ScatterRun(T* line, int iw, int stride, int first, int last, T* from)
    {
        T* to = line + iw;
        if (stride == 1)
        {
            AddInto(to + first, from + first, last - first);
            return;
        }
        for (int q = first; q < last; q++) to[(long)q * stride] += from[q];
    }

    /// <summary>The range [first, last) of q in [0, run) for which iw + q·stride lies in [0, width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int First, int Last) InsideRange(int width, int iw, int stride, int run)
    {
        int first = iw >= 0 ? 0 : Math.Min(run, (-iw + stride - 1) / stride);
        int last = iw >= width ? first : Math.Min(run, (width - 1 - iw) / stride + 1);
        return (first, Math.Max(first, last));
    }

    /// <summary>dst[q] += src[q] for q &lt; count, a vector at a time.</summary>
    private static void AddInto(T* dst, T* src, int count)
    {
        int q = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; q + Vector256<T>.Count <= count; q += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(dst + q) + Vector256.Load(src + q), dst + q);
        }
        for (; q < count; q++) dst[q] += src[q];
    }
}
