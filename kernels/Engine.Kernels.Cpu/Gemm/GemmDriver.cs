using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The BLIS/GotoBLAS loop nest, written once for every element type and micro-kernel:
/// jc (Nc-wide B panels) → pc (Kc-deep) → pack B → ic (Mc-tall A blocks) → pack A → jr → ir → micro-kernel.
/// Multi-threading splits C into disjoint row or column ranges, each run by this serial nest with its own
/// packed buffers, so threads never synchronise and every element is computed in the same order.
/// </summary>
[SkipLocalsInit] // the edge tile is fully written by the kernel before it is read; zeroing it is wasted work
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Below this many multiply-adds per thread, handing work to another thread costs more than it saves.</summary>
    private const long MinWorkPerThread = 1L << 20;

    /// <summary>Computes C = alpha·A·B + beta·C for m, n, k &gt; 0, using up to <paramref name="threads"/> threads.</summary>
    public static void Run(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta,
        T* c, long ldc, int threads)
    {
        threads = ThreadsWorthUsing(m, n, k, threads);
        if (threads == 1)
        {
            RunSerial(m, n, k, alpha, a, b, beta, c, ldc);
            return;
        }
        // Each thread packs all of the operand along the dimension it does not split, so split the one with
        // more micro-tiles: the duplicated packing is then the smaller one and the chunks balance best.
        // Chunk edges fall on tile boundaries.
        long rowTiles = (m + TKernel.Mr - 1) / TKernel.Mr;
        long colTiles = (n + TKernel.Nr - 1) / TKernel.Nr;
        RunChunks(m, n, k, alpha, a, b, beta, c, ldc, threads, splitRows: rowTiles > colTiles);
    }

    private static int ThreadsWorthUsing(int m, int n, int k, int threads)
    {
        long work = (long)m * n * k;
        long byWork = Math.Max(1, work / MinWorkPerThread);
        long byTiles = Math.Max((m + TKernel.Mr - 1) / TKernel.Mr, (n + TKernel.Nr - 1) / TKernel.Nr);
        return (int)Math.Min(threads, Math.Min(byWork, byTiles));
    }

    /// <summary>Splits C into at most <paramref name="threads"/> whole-tile row or column ranges, one serial nest each.</summary>
    private static void RunChunks(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b,
        T beta, T* c, long ldc, int threads, bool splitRows)
    {
        int length = splitRows ? m : n;
        int tile = splitRows ? TKernel.Mr : TKernel.Nr;
        long tiles = (length + tile - 1) / tile;
        int chunks = (int)Math.Min(threads, tiles);
        int size = (int)((tiles + chunks - 1) / chunks) * tile;
        KernelThreads.For(chunks, chunk =>
        {
            int start = chunk * size;
            int extent = Math.Min(size, length - start);
            if (extent <= 0) return;
            if (splitRows)
                RunSerial(extent, n, k, alpha, a.From(start, 0), b, beta, c + start * ldc, ldc);
            else
                RunSerial(m, extent, k, alpha, a, b.From(0, start), beta, c + start, ldc);
        });
    }

    /// <summary>The single-threaded loop nest over the whole problem.</summary>
    public static void RunSerial(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta,
        T* c, long ldc)
    {
        GemmBlocking blocking = TKernel.Blocking;
        int kcStep = BalancedStep(k, blocking.Kc, 1);
        bool rowMajorA = a.ColStride == 1;
        if (rowMajorA ? ReadsRowMajorAInPlace(n, kcStep) : a.RowStride == 1 && ReadsColumnMajorAInPlace(n, kcStep))
        {
            RunSerialInPlaceA(m, n, k, kcStep, alpha, a, b, beta, c, ldc, rowMajorA);
            return;
        }
        int mcStep = BalancedStep(m, blocking.Mc, TKernel.Mr);
        // Ask only for what this problem packs, so small GEMMs on many threads don't each hold a full panel.
        int ncPadded = RoundUp(Math.Min(n, blocking.Nc), TKernel.Nr);
        var scratch = PackScratch.Current;
        T* packedA = scratch.PackedA<T>((long)mcStep * kcStep);
        T* packedB = scratch.PackedB<T>((long)kcStep * ncPadded);
        for (int jc = 0; jc < n; jc += blocking.Nc)
        {
            int nc = Math.Min(blocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                GemmPacking<T>.PackB(kc, nc, b.From(pc, jc), packedB, TKernel.Nr);
                // Only the first pass over k scales the old C; later passes accumulate onto it.
                T passBeta = pc == 0 ? beta : T.One;
                for (int ic = 0; ic < m; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, m - ic);
                    PackBlockA(mc, kc, a.From(ic, pc), packedA);
                    MacroKernel(mc, nc, kc, packedA, packedB, alpha, passBeta, c + ic * ldc + jc, ldc);
                }
            }
        }
    }

    /// <summary>
    /// Whether to skip packing row-major A and let the kernel read Mr rows in place, reusing them from L1
    /// across the jr sweep: pays whenever the packed kc×n panel of B, which that sweep then streams once per
    /// Mr rows, stays in L2. That covers narrow B (n ≤ Nr, where packing A cost about as much as the one tile
    /// per row block that used it) and small problems, where packing is mostly overhead. Measured on Zen 3
    /// (float, 1 thread): 128×512×10 37 → 50 GFLOP/s, 32³ 55 → 65, 256³ 95 → 98; n = 512 (a 512 KiB panel)
    /// is slower in place, so it keeps packing.
    /// </summary>
    private static bool ReadsRowMajorAInPlace(int n, int kcStep) => PanelBytes(n, kcStep) <= InPlaceAMaxPanelBytes;

    /// <summary>
    /// The same for column-major A, whose Mr elements of a k step share one cache line: a tile touches kc lines
    /// lda apart, which a power-of-two lda crowds into few L1 sets, so reuse across a jr sweep is unreliable
    /// (128³ measured 81 → 73 in place). Only when the sweep is at most two tiles (n ≤ 2·Nr: Aᵀ·G of a narrow
    /// layer, 512×784×10 float 28 → 48, double 16 → 19; 512×784×32 float 64 → 86) or the whole problem is tiny
    /// (32³ 50 → 65, 64³ 71 → 85).
    /// </summary>
    private static bool ReadsColumnMajorAInPlace(int n, int kcStep) =>
        n <= 2 * TKernel.Nr || PanelBytes(n, kcStep) <= InPlaceColumnMajorMaxPanelBytes;

    private static long PanelBytes(int n, int kcStep) => (long)kcStep * RoundUp(n, TKernel.Nr) * sizeof(T);

    /// <summary>Largest packed B panel for which row-major A is read in place: half a Zen 3 L2.</summary>
    private const long InPlaceAMaxPanelBytes = 256 * 1024;

    /// <summary>Largest packed B panel for which column-major A is read in place (64³ float).</summary>
    private const long InPlaceColumnMajorMaxPanelBytes = 16 * 1024;

    /// <summary>
    /// The loop nest without A packing: jc → pc → pack B → ir (Mr rows of A in place) → jr. The Mr×kc rows of A
    /// stay in L1 across the jr sweep. The rows after the last full Mr-row tile (short tiles, or a ragged tile)
    /// are packed: at most eight rows, and the kernels read whole tiles. Each C element sees the same FMA
    /// sequence as in <see cref="RunSerial"/>.
    /// </summary>
    private static void RunSerialInPlaceA(int m, int n, int k, int kcStep, T alpha, StridedMatrix<T> a,
        StridedMatrix<T> b, T beta, T* c, long ldc, bool rowMajorA)
    {
        GemmBlocking blocking = TKernel.Blocking;
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int ncPadded = RoundUp(Math.Min(n, blocking.Nc), nr);
        var scratch = PackScratch.Current;
        // Full Mr-row tiles run in place; the rows after them (short tiles, or a ragged Mr tile) are packed.
        int tallRows = TallRows(m);
        int fullRows = tallRows < m ? tallRows : m - m % mr;
        T* packedA = fullRows < m ? scratch.PackedA<T>((long)(m - fullRows + mr) * kcStep) : null;
        T* packedB = scratch.PackedB<T>((long)kcStep * ncPadded);
        T* edgeTile = stackalloc T[mr * nr];
        for (int jc = 0; jc < n; jc += blocking.Nc)
        {
            int nc = Math.Min(blocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                GemmPacking<T>.PackB(kc, nc, b.From(pc, jc), packedB, nr);
                T passBeta = pc == 0 ? beta : T.One;
                T* cBlock = c + jc;
                for (int ir = 0; ir < fullRows; ir += mr)
                {
                    T* aRows = a.At(ir, pc);
                    T* cRow = cBlock + ir * ldc;
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        T* bSliver = packedB + (long)jr * kc;
                        if (cols == nr)
                        {
                            if (rowMajorA) TKernel.MultiplyRows(kc, aRows, a.RowStride, bSliver, cRow + jr, ldc, alpha, passBeta);
                            else TKernel.MultiplyColumns(kc, aRows, a.ColStride, bSliver, cRow + jr, ldc, alpha, passBeta);
                        }
                        else
                        {
                            if (rowMajorA) TKernel.MultiplyRows(kc, aRows, a.RowStride, bSliver, edgeTile, nr, T.One, T.Zero);
                            else TKernel.MultiplyColumns(kc, aRows, a.ColStride, bSliver, edgeTile, nr, T.One, T.Zero);
                            GemmTile<T>.Store(mr, cols, edgeTile, nr, cRow + jr, ldc, alpha, passBeta);
                        }
                    }
                }
                if (fullRows < m)
                {
                    int rows = m - fullRows;
                    PackBlockA(rows, kc, a.From(fullRows, pc), packedA);
                    MacroKernel(rows, nc, kc, packedA, packedB, alpha, passBeta, cBlock + fullRows * ldc, ldc);
                }
            }
        }
    }

    /// <summary>
    /// The block size (a multiple of <paramref name="multiple"/>, at most <paramref name="max"/>) that covers
    /// <paramref name="length"/> in the fewest, most equal blocks: k = 784 with Kc = 256 becomes 4×196 rather
    /// than 3×256 + 16, whose thin last pass would pay the per-tile C update for little work.
    /// </summary>
    internal static int BalancedStep(int length, int max, int multiple)
    {
        // The cap is rounded down to the multiple too: an Mc that is not a multiple of Mr would pack a last sliver
        // of Mr rows past the end of a buffer sized mcStep·kc.
        int cap = Math.Max(multiple, max / multiple * multiple);
        int blocks = (length + cap - 1) / cap;
        int step = (length + blocks - 1) / blocks;
        return Math.Min(cap, RoundUp(step, multiple));
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Where a block of <paramref name="rows"/> rows switches from Mr-row tiles to short ones: rows [0, result) run
    /// as Mr-row tiles and [result, rows) as ShortMr-row tiles, the last tile of the two runs possibly ragged. Picks
    /// the split that computes the fewest padded rows (ties: fewer short tiles), so with Mr = 6 and ShortMr = 4,
    /// 128 rows are 20 tiles of 6 and 2 of 4, 64 rows 10 of 6 and one of 4, 5 rows one ragged tile of 6.
    /// Returns <paramref name="rows"/> when no short tile is used.
    /// </summary>
    internal static int TallRows(int rows)
    {
        int mr = TKernel.Mr, shortMr = TKernel.ShortMr;
        if (rows % mr == 0 || shortMr >= mr) return rows;
        int best = rows;
        int bestComputed = RoundUp(rows, mr);
        int mostTall = rows / mr;
        for (int tall = mostTall; tall >= 0 && tall > mostTall - mr; tall--)
        {
            int computed = tall * mr + RoundUp(rows - tall * mr, shortMr);
            if (computed < bestComputed)
            {
                bestComputed = computed;
                best = tall * mr;
            }
        }
        return best;
    }

    /// <summary>
    /// Packs an mc×kc block of A as <see cref="MacroKernel"/> reads it: Mr-wide slivers for rows below
    /// <see cref="TallRows"/>, ShortMr-wide ones after; sliver r's data starts at packed + r·kc either way.
    /// </summary>
    private static void PackBlockA(int mc, int kc, StridedMatrix<T> a, T* packed)
    {
        int tallRows = TallRows(mc);
        GemmPacking<T>.PackA(tallRows, kc, a, packed, TKernel.Mr);
        if (tallRows < mc)
            GemmPacking<T>.PackA(mc - tallRows, kc, a.From(tallRows, 0), packed + (long)tallRows * kc, TKernel.ShortMr);
    }

    /// <summary>Runs the micro-kernel over every tile of one block of A packed by <see cref="PackBlockA"/> × packed B panel.</summary>
    private static void MacroKernel(int mc, int nc, int kc, T* packedA, T* packedB, T alpha, T beta,
        T* c, long ldc)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr, shortMr = TKernel.ShortMr;
        int tallRows = TallRows(mc);
        T* edgeTile = stackalloc T[mr * nr];
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* bSliver = packedB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += ir < tallRows ? mr : shortMr)
            {
                bool tall = ir < tallRows;
                int height = tall ? mr : shortMr;
                int rows = Math.Min(height, mc - ir);
                T* aSliver = packedA + (long)ir * kc;
                T* cTile = c + ir * ldc + jr;
                if (rows == height && cols == nr)
                {
                    if (tall) TKernel.Multiply(kc, aSliver, bSliver, cTile, ldc, alpha, beta);
                    else TKernel.MultiplyShort(kc, aSliver, bSliver, cTile, ldc, alpha, beta);
                }
                else
                {
                    // Ragged edge: compute the full padded tile aside, then merge only the valid part.
                    if (tall) TKernel.Multiply(kc, aSliver, bSliver, edgeTile, nr, T.One, T.Zero);
                    else TKernel.MultiplyShort(kc, aSliver, bSliver, edgeTile, nr, T.One, T.Zero);
                    GemmTile<T>.Store(rows, cols, edgeTile, nr, cTile, ldc, alpha, beta);
                }
            }
        }
    }
}
