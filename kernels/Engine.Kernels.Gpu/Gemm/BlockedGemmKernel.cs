using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The GPU GEMM built like the fastest hand-written CUDA SGEMMs: each group of 16×16 threads computes a 128×128
/// tile of C, each thread an 8×8 micro-tile in registers, stepping through k 8 at a time with the A and B slices
/// double-buffered in shared memory (one barrier per step) and read from global memory 4 elements per load where
/// the layout allows.
/// </summary>
/// <remarks>
/// Why this shape:
/// <list type="bullet">
/// <item>Register blocking 8×8: per k a thread reads 8 A and 8 B values from shared memory (four 4-wide reads) and
/// does 64 multiply-adds with them, a quarter of the shared-memory traffic per multiply-add of the 4×4 tile of
/// <see cref="TiledGemmKernel"/>; shared-memory bandwidth, not arithmetic, is what limits the smaller tile. The 64
/// accumulators are struct fields updated by value (<see cref="BlockedMicroTile{T}"/>, four
/// <see cref="MicroTile{T}"/>s), never arrays with dynamic indices, so ILGPU keeps them in registers.</item>
/// <item>128×128 C tile per 256 threads: every A element staged in shared memory feeds 128 columns and every B
/// element 128 rows, halving the global traffic per multiply-add against the 64×64 tile: an 8192³ SGEMM then moves
/// 2·8192³/128 ≈ 8.6·10⁹ elements from L2 or memory, about 1.3 TB/s at 40 TFLOP/s, a fraction of an H200's 4.8 TB/s.</item>
/// <item>k step 8: the two double-buffered slices of A and B take 2·2·8·132 elements (16.5 KiB float, 33 KiB
/// double, under the 48 KiB a group may have without opting in), so two groups fit per multiprocessor beside the
/// ~128 registers per thread; a longer step would cost shared memory that occupancy needs. Double keeps the same
/// step and tile: 33 KiB still fits, and one code path serves both types.</item>
/// <item>The micro-tile is two 4×4 blocks apart by 64: thread (tx, ty) owns rows 4ty..4ty+3 and 64+4ty..+3 and
/// columns 4tx..4tx+3 and 64+4tx..+3. Its four shared-memory reads per k are 4-wide and 16-byte aligned; the 16
/// threads of a half-warp read 16 consecutive 4-wide B runs (256 contiguous bytes: no bank conflict) and one A
/// run (a broadcast).</item>
/// <item>Both slices are stored k-major (slice[kk·132 + row or column]), A therefore transposed, so the inner loop
/// reads contiguous runs of rows and of columns. Each k row is padded from 128 to 132 elements: when A (or B) is
/// k-contiguous in memory a thread loads 4 consecutive k of one row and scatters them down a column of the slice;
/// with 128 the two threads sharing a row would hit the same bank (2-way conflict), with 132 the second one is 16
/// banks away. 132 keeps every 4-wide run 16-byte aligned.</item>
/// <item>Double buffering with a register prefetch: step s first issues the global loads of slice s+1 into
/// registers, then computes on the shared buffer s mod 2 while those loads are in flight, then stores them into the
/// other buffer and meets one barrier. The buffer being written was last read in step s−1, which ended with a
/// barrier, so one barrier per step (not two) is enough, and the global latency hides behind 8·64 FMAs.</item>
/// <item>Loads: each thread fetches 4 of the 1024 elements of each slice. Consecutive threads walk the axis that is
/// contiguous in memory (rows of A when A is column-major, k when A is row-major; likewise for B) so reads
/// coalesce. They are one 4-wide load (a 16-byte ld.v4.f32 in the PTX, two ld.v2.f64 for double) when that axis
/// has stride 1, the other stride and the operand's first element are multiples of 4 elements, the view starts a
/// multiple of 4 elements into its (aligned) buffer (the host checks these per launch; a batch item's offset on
/// the device) and the whole 128×8 slice lies inside the operand (checked per group and step, so
/// the choice is uniform over the group: no divergence); otherwise four scalar, bounds-checked loads with zero
/// outside the operand, so the inner loop never branches and only the final store is bounds-checked.</item>
/// <item>Only group-level shared memory and barriers are used (no warp shuffles), so the kernel also runs on
/// OpenCL devices without subgroup support; nothing is sized by the warp size.</item>
/// </list>
/// </remarks>
internal static class BlockedGemmKernel
{
    /// <summary>Threads per group along x (columns of C) and along y (rows of C).</summary>
    public const int ThreadsPerSide = 16;

    /// <summary>Rows and columns of the C tile of one group: 16 threads × an 8-wide micro-tile.</summary>
    public const int Tile = 128;

    /// <summary>The k extent of the A and B slices staged in shared memory per step.</summary>
    public const int TileK = 8;

    /// <summary>Bit of the launch's vector-load flags saying A may be read 4 elements at a time.</summary>
    public const int VectorA = 1;

    /// <summary>Bit of the launch's vector-load flags saying B may be read 4 elements at a time.</summary>
    public const int VectorB = 2;

    /// <summary>Elements between k rows of a slice: 128 padded by 4 against bank conflicts (see the remarks).</summary>
    private const int SliceStride = Tile + 4;

    private const int SliceSize = TileK * SliceStride;
    private const int HalfTile = Tile / 2;

    /// <summary>
    /// Group (x, y, z) computes the C tile at columns 128x, rows 128y of batch item z of the launch.
    /// <paramref name="vectorLoads"/> holds <see cref="VectorA"/> and <see cref="VectorB"/> as the host found them
    /// (<see cref="VectorLoads{T}"/>).
    /// </summary>
    public static void Run<T>(GemmProblem<T> problem, int vectorLoads, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c,
        ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<long> cOffsets)
        where T : unmanaged, INumber<T>
    {
        // Two buffers per operand in one allocation: buffer s mod 2 at offset (s mod 2)·SliceSize.
        ArrayView<T> aSlices = SharedMemory.Allocate<T>(2 * SliceSize);
        ArrayView<T> bSlices = SharedMemory.Allocate<T>(2 * SliceSize);
        int tx = Group.IdxX, ty = Group.IdxY;
        int thread = ty * ThreadsPerSide + tx;
        long item = problem.FirstItem + Grid.IdxZ;
        var aOperand = SliceSource<T>.ForA(problem, a, problem.ABase(item, aOffsets), Grid.IdxY * Tile, (vectorLoads & VectorA) != 0);
        var bOperand = SliceSource<T>.ForB(problem, b, problem.BBase(item, bOffsets), Grid.IdxX * Tile, (vectorLoads & VectorB) != 0);

        int steps = (problem.K + TileK - 1) / TileK;
        StoreSlice(aSlices, 0, aOperand.Load(0, thread), aOperand.KContiguous, thread);
        StoreSlice(bSlices, 0, bOperand.Load(0, thread), bOperand.KContiguous, thread);
        Group.Barrier();

        var sums = BlockedMicroTile<T>.Zero();
        for (int step = 0; step < steps; step++)
        {
            int current = (step & 1) * SliceSize, next = SliceSize - current;
            bool more = step + 1 < steps;
            var aNext = more ? aOperand.Load((step + 1) * TileK, thread) : default;
            var bNext = more ? bOperand.Load((step + 1) * TileK, thread) : default;
            sums = MultiplySlices(sums, aSlices, bSlices, current, tx, ty);
            if (more)
            {
                StoreSlice(aSlices, next, aNext, aOperand.KContiguous, thread);
                StoreSlice(bSlices, next, bNext, bOperand.KContiguous, thread);
            }
            // The stores above are read in the next step; the buffer read above is overwritten in the one after.
            Group.Barrier();
        }

        StoreTile(problem, c, problem.CBase(item, cOffsets), Grid.IdxY * Tile + 4 * ty, Grid.IdxX * Tile + 4 * tx, sums);
    }

    /// <summary>
    /// The launch-wide vector-load flags: <see cref="VectorA"/> when A's contiguous axis has stride 1, its other
    /// stride and base offset are multiples of 4 and its view starts a multiple of 4 elements into its buffer; likewise
    /// <see cref="VectorB"/>. Batched launches check each item's offset on the device as well.
    /// </summary>
    public static int VectorLoads<T>(GemmProblem<T> problem, ArrayView<T> a, ArrayView<T> b) where T : unmanaged, INumber<T>
    {
        bool vectorA = CanLoadQuads(a, problem.AOffset, problem.ARowStride, problem.AColStride);
        bool vectorB = CanLoadQuads(b, problem.BOffset, problem.BColStride, problem.BRowStride);
        return (vectorA ? VectorA : 0) | (vectorB ? VectorB : 0);
    }

    /// <summary>
    /// Whether an operand whose slice rows run along <paramref name="rowStride"/> and whose k runs along
    /// <paramref name="kStride"/> can be read in aligned runs of 4 along whichever of the two is 1.
    /// </summary>
    /// <remarks>
    /// The view's place in its buffer decides its alignment: CUDA and OpenCL allocate buffers on (at least) 128-byte
    /// boundaries, and a buffer's native pointer is not an address on OpenCL (it is the cl_mem handle), so only
    /// the offset into the buffer is checked. The CPU simulator reads unaligned runs as well.
    /// </remarks>
    private static unsafe bool CanLoadQuads<T>(ArrayView<T> view, long offset, long rowStride, long kStride)
        where T : unmanaged, INumber<T>
    {
        if (!view.IsValid || view.Length == 0) return false;
        bool layoutFits = (rowStride == 1 && kStride % 4 == 0) || (kStride == 1 && rowStride % 4 == 0);
        IContiguousArrayView contiguous = view;
        return layoutFits && offset % 4 == 0 && contiguous.IndexInBytes % (4 * sizeof(T)) == 0;
    }

    /// <summary>sums + the products of the 8 k rows of the current A and B buffers.</summary>
    /// <remarks>
    /// Unrolled by hand (ILGPU leaves the loop rolled): the compiler can then issue the shared-memory reads of later
    /// k rows while the multiply-adds of earlier ones run, and no loop counter is paid per 64 multiply-adds.
    /// </remarks>
    private static BlockedMicroTile<T> MultiplySlices<T>(BlockedMicroTile<T> sums, ArrayView<T> aSlices,
        ArrayView<T> bSlices, int buffer, int tx, int ty)
        where T : unmanaged, INumber<T>
    {
        // Every run read here starts at a multiple of 4 elements, so it is one 4-wide shared-memory read.
        ArrayView<Quad<T>> aQuads = aSlices.Cast<Quad<T>>(), bQuads = bSlices.Cast<Quad<T>>();
        const int Row = SliceStride / 4;
        int at = buffer / 4;
        sums = MultiplyKRow(sums, aQuads, bQuads, at, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + Row, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + 2 * Row, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + 3 * Row, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + 4 * Row, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + 5 * Row, tx, ty);
        sums = MultiplyKRow(sums, aQuads, bQuads, at + 6 * Row, tx, ty);
        return MultiplyKRow(sums, aQuads, bQuads, at + 7 * Row, tx, ty);
    }

    /// <summary>sums + the rank-1 product of one k row: the thread's 8 A values (two runs 64 apart) by its 8 B values.</summary>
    private static BlockedMicroTile<T> MultiplyKRow<T>(BlockedMicroTile<T> sums, ArrayView<Quad<T>> aQuads,
        ArrayView<Quad<T>> bQuads, int at, int tx, int ty)
        where T : unmanaged, INumber<T>
    {
        Quad<T> a0 = aQuads[at + ty], a1 = aQuads[at + HalfTile / 4 + ty];
        Quad<T> b0 = bQuads[at + tx], b1 = bQuads[at + HalfTile / 4 + tx];
        return BlockedMicroTile<T>.MultiplyAdd(sums, a0, a1, b0, b1);
    }

    /// <summary>
    /// Writes a thread's 4 loaded values into the slice buffer at <paramref name="buffer"/>: a run along the rows
    /// (one 4-wide store) when the operand's rows are contiguous, else down one column of 4 k rows.
    /// </summary>
    private static void StoreSlice<T>(ArrayView<T> slices, int buffer, Quad<T> values, bool kContiguous, int thread)
        where T : unmanaged, INumber<T>
    {
        var (row, kk) = SliceSource<T>.Position(kContiguous, thread);
        int at = buffer + kk * SliceStride + row;
        if (kContiguous)
        {
            slices[at] = values.V0;
            slices[at + SliceStride] = values.V1;
            slices[at + 2 * SliceStride] = values.V2;
            slices[at + 3 * SliceStride] = values.V3;
        }
        else
        {
            slices.Cast<Quad<T>>()[at / 4] = values;
        }
    }

    /// <summary>Stores the 8×8 micro-tile whose first row is <paramref name="i"/> and first column <paramref name="j"/>.</summary>
    private static void StoreTile<T>(GemmProblem<T> problem, ArrayView<T> c, long cBase, int i, int j, BlockedMicroTile<T> sums)
        where T : unmanaged, INumber<T>
    {
        StoreBlock(problem, c, cBase, i, j, sums.TopLeft);
        StoreBlock(problem, c, cBase, i, j + HalfTile, sums.TopRight);
        StoreBlock(problem, c, cBase, i + HalfTile, j, sums.BottomLeft);
        StoreBlock(problem, c, cBase, i + HalfTile, j + HalfTile, sums.BottomRight);
    }

    private static void StoreBlock<T>(GemmProblem<T> problem, ArrayView<T> c, long cBase, int i, int j, MicroTile<T> block)
        where T : unmanaged, INumber<T>
    {
        problem.StoreQuad(c, cBase, i, j, 1, block.Row0);
        problem.StoreQuad(c, cBase, i + 1, j, 1, block.Row1);
        problem.StoreQuad(c, cBase, i + 2, j, 1, block.Row2);
        problem.StoreQuad(c, cBase, i + 3, j, 1, block.Row3);
    }
}

/// <summary>
/// Where one group reads the slices of one operand from: A as rows × k, B as columns × k, so both load alike.
/// Element (r, p) of the slice source is x[Base + r·RowStride + p·KStride], r counted from the group's first row.
/// </summary>
internal readonly struct SliceSource<T> where T : unmanaged, INumber<T>
{
    private readonly ArrayView<T> _x;
    private readonly long _base, _rowStride, _kStride;
    private readonly int _rows, _k, _firstRow;
    private readonly int _vector;

    private SliceSource(ArrayView<T> x, long xBase, long rowStride, long kStride, int rows, int k, int firstRow, bool vector)
    {
        _x = x;
        _base = xBase;
        _rowStride = rowStride;
        _kStride = kStride;
        _rows = rows;
        _k = k;
        _firstRow = firstRow;
        KContiguous = kStride == 1 && rowStride != 1;
        // The launch allowed it and this item's first element is 4-aligned too (batched offsets live on the device).
        _vector = vector && xBase % 4 == 0 ? 1 : 0;
    }

    /// <summary>Whether k is the contiguous axis: each thread then loads 4 consecutive k of one row.</summary>
    public bool KContiguous { get; }

    /// <summary>A's rows from <paramref name="firstRow"/> on.</summary>
    public static SliceSource<T> ForA(GemmProblem<T> problem, ArrayView<T> a, long aBase, int firstRow, bool vector) =>
        new(a, aBase, problem.ARowStride, problem.AColStride, problem.M, problem.K, firstRow, vector);

    /// <summary>B's columns from <paramref name="firstColumn"/> on (B transposed: columns as rows).</summary>
    public static SliceSource<T> ForB(GemmProblem<T> problem, ArrayView<T> b, long bBase, int firstColumn, bool vector) =>
        new(b, bBase, problem.BColStride, problem.BRowStride, problem.N, problem.K, firstColumn, vector);

    /// <summary>
    /// The slice row and k row of a thread's first element: 2 threads per row of 4 consecutive k when k is
    /// contiguous, else 32 threads per k row, each with 4 consecutive rows.
    /// </summary>
    public static (int Row, int Kk) Position(bool kContiguous, int thread) =>
        kContiguous ? (thread / 2, thread % 2 * 4) : (thread % 32 * 4, thread / 32);

    /// <summary>The thread's 4 elements of the slice at k0: along k or along the rows (see <see cref="Position"/>).</summary>
    public Quad<T> Load(int k0, int thread)
    {
        var (row, kk) = Position(KContiguous, thread);
        int r = _firstRow + row, p = k0 + kk;
        bool inside = _firstRow + BlockedGemmKernel.Tile <= _rows && k0 + BlockedGemmKernel.TileK <= _k;
        long at = _base + r * _rowStride + p * _kStride;
        if (_vector != 0 && inside) return _x.Cast<Quad<T>>()[at / 4];
        return KContiguous
            ? new Quad<T>(Element(at, r, p), Element(at + _kStride, r, p + 1), Element(at + 2 * _kStride, r, p + 2),
                Element(at + 3 * _kStride, r, p + 3))
            : new Quad<T>(Element(at, r, p), Element(at + _rowStride, r + 1, p), Element(at + 2 * _rowStride, r + 2, p),
                Element(at + 3 * _rowStride, r + 3, p));
    }

    private T Element(long at, int r, int p) => r < _rows && p < _k ? _x[at] : T.Zero;
}

/// <summary>
/// A thread's 8×8 block of C accumulators as four 4×4 blocks 64 rows and 64 columns apart, updated by value
/// (see <see cref="BlockedGemmKernel"/>).
/// </summary>
internal readonly struct BlockedMicroTile<T>(MicroTile<T> topLeft, MicroTile<T> topRight, MicroTile<T> bottomLeft,
    MicroTile<T> bottomRight) where T : unmanaged, INumber<T>
{
    public readonly MicroTile<T> TopLeft = topLeft, TopRight = topRight, BottomLeft = bottomLeft, BottomRight = bottomRight;

    /// <summary>All 64 accumulators zero.</summary>
    public static BlockedMicroTile<T> Zero() =>
        new(MicroTile<T>.Zero(), MicroTile<T>.Zero(), MicroTile<T>.Zero(), MicroTile<T>.Zero());

    /// <summary>The rank-1 update sums + (a0, a1)·(b0, b1)ᵀ.</summary>
    public static BlockedMicroTile<T> MultiplyAdd(BlockedMicroTile<T> sums, Quad<T> a0, Quad<T> a1, Quad<T> b0, Quad<T> b1) =>
        new(MicroTile<T>.MultiplyAdd(sums.TopLeft, a0, b0), MicroTile<T>.MultiplyAdd(sums.TopRight, a0, b1),
            MicroTile<T>.MultiplyAdd(sums.BottomLeft, a1, b0), MicroTile<T>.MultiplyAdd(sums.BottomRight, a1, b1));
}
