using System.Numerics;
using ILGPU;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The fast GPU GEMM: each group of 16×16 threads computes a 64×64 tile of C, stepping through k 16 at a
/// time with the A and B slices of that step staged in shared memory, and each thread keeps a 4×4 micro-tile
/// of C in registers.
/// </summary>
/// <remarks>
/// Why this shape:
/// <list type="bullet">
/// <item>Shared-memory tiling: every A element of a 64×16 slice is used by the 64 columns of the C tile and every
/// B element by its 64 rows, so staging the slices once per group cuts global reads 64-fold against the
/// one-thread-per-element kernel (which rereads a row of A and a column of B per C element).</item>
/// <item>Register blocking: per k step a thread reads 4 values of A and 4 of B from shared memory and does 16
/// multiply-adds with them, so shared-memory traffic is a quarter of the arithmetic instead of two reads per
/// multiply-add. The 16 accumulators are plain struct fields updated by value (no arrays, no addresses taken)
/// so ILGPU keeps them in registers.</item>
/// <item>The micro-tile is strided, not contiguous: thread (tx, ty) owns rows ty + 16r and columns tx + 16c
/// (r, c in 0..3). Neighbouring threads then read neighbouring shared-memory words (no bank conflicts; the
/// 16 threads of a half-warp sharing ty read one A word, a broadcast) and write neighbouring C elements
/// (coalesced stores).</item>
/// <item>16×16 = 256 threads and 2·16·64 elements of shared memory (8 KiB float, 16 KiB double) leave room for
/// several groups per multiprocessor; K step 16 makes the two barriers per step cheap against 16·16 FMAs.</item>
/// <item>Ragged edges: loads outside A or B store zero in shared memory, so the inner loop has no branches and
/// out-of-range rows/columns simply accumulate zeros; only the final store is bounds-checked. Every thread
/// takes part in every load and barrier, even one whose C elements are all outside the matrix.</item>
/// <item>Only group-level shared memory and barriers are used (no warp shuffles), so the kernel also runs on
/// OpenCL devices without subgroup support.</item>
/// </list>
/// </remarks>
internal static class TiledGemmKernel
{
    /// <summary>Threads per group along x (columns of C) and along y (rows of C).</summary>
    public const int ThreadsPerSide = 16;

    /// <summary>Rows and columns of the C tile of one group: 16 threads × a 4-wide micro-tile.</summary>
    public const int Tile = ThreadsPerSide * 4;

    /// <summary>The k extent of the A and B slices staged in shared memory per step.</summary>
    public const int TileK = 16;

    private const int GroupSize = ThreadsPerSide * ThreadsPerSide;
    private const int SliceSize = Tile * TileK;

    /// <summary>Group (x, y, z) computes the C tile at columns 64x, rows 64y of batch item z of the launch.</summary>
    public static void Run<T>(GemmProblem<T> problem, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c,
        ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<long> cOffsets)
        where T : unmanaged, INumber<T>
    {
        // Both slices are stored k-major (slice[kk * 64 + row or column]) so that the inner loop reads the 4 A
        // values and the 4 B values of one kk at stride 16 across the micro-tile.
        ArrayView<T> aSlice = SharedMemory.Allocate<T>(SliceSize);
        ArrayView<T> bSlice = SharedMemory.Allocate<T>(SliceSize);
        int tx = Group.IdxX, ty = Group.IdxY;
        int thread = ty * ThreadsPerSide + tx;
        int rowStart = Grid.IdxY * Tile, columnStart = Grid.IdxX * Tile;
        long item = problem.FirstItem + Grid.IdxZ;
        long aBase = problem.ABase(item, aOffsets), bBase = problem.BBase(item, bOffsets);

        MicroTile<T> sums = MicroTile<T>.Zero();
        for (int k0 = 0; k0 < problem.K; k0 += TileK)
        {
            LoadASlice(problem, a, aBase, rowStart, k0, thread, aSlice);
            LoadBSlice(problem, b, bBase, columnStart, k0, thread, bSlice);
            Group.Barrier();
            for (int kk = 0; kk < TileK; kk++)
            {
                int at = kk * Tile;
                var aValues = new Quad<T>(aSlice[at + ty], aSlice[at + ty + 16], aSlice[at + ty + 32], aSlice[at + ty + 48]);
                var bValues = new Quad<T>(bSlice[at + tx], bSlice[at + tx + 16], bSlice[at + tx + 32], bSlice[at + tx + 48]);
                sums = MicroTile<T>.MultiplyAdd(sums, aValues, bValues);
            }
            // The next step overwrites the slices: nobody may still be reading them.
            Group.Barrier();
        }

        long cBase = problem.CBase(item, cOffsets);
        problem.StoreQuad(c, cBase, rowStart + ty, columnStart + tx, ThreadsPerSide, sums.Row0);
        problem.StoreQuad(c, cBase, rowStart + ty + 16, columnStart + tx, ThreadsPerSide, sums.Row1);
        problem.StoreQuad(c, cBase, rowStart + ty + 32, columnStart + tx, ThreadsPerSide, sums.Row2);
        problem.StoreQuad(c, cBase, rowStart + ty + 48, columnStart + tx, ThreadsPerSide, sums.Row3);
    }

    /// <summary>
    /// Stages A(rowStart..+64, k0..+16) in shared memory, zero outside A; each thread loads 4 of the 1024 values.
    /// Consecutive threads walk whichever axis is contiguous in memory (k for row-major A, rows otherwise) so
    /// the global reads coalesce; the choice is uniform over the grid, so it costs no divergence.
    /// </summary>
    private static void LoadASlice<T>(GemmProblem<T> problem, ArrayView<T> a, long aBase, int rowStart, int k0,
        int thread, ArrayView<T> aSlice)
        where T : unmanaged, INumber<T>
    {
        bool kContiguous = problem.AColStride == 1;
        for (int e = thread; e < SliceSize; e += GroupSize)
        {
            int row = kContiguous ? e / TileK : e % Tile;
            int kk = kContiguous ? e % TileK : e / Tile;
            int i = rowStart + row, p = k0 + kk;
            aSlice[kk * Tile + row] = i < problem.M && p < problem.K
                ? a[aBase + i * problem.ARowStride + p * problem.AColStride]
                : T.Zero;
        }
    }

    /// <summary>Stages B(k0..+16, columnStart..+64) in shared memory, zero outside B (see <see cref="LoadASlice{T}"/>).</summary>
    private static void LoadBSlice<T>(GemmProblem<T> problem, ArrayView<T> b, long bBase, int columnStart, int k0,
        int thread, ArrayView<T> bSlice)
        where T : unmanaged, INumber<T>
    {
        bool kContiguous = problem.BRowStride == 1 && problem.BColStride != 1;
        for (int e = thread; e < SliceSize; e += GroupSize)
        {
            int column = kContiguous ? e / TileK : e % Tile;
            int kk = kContiguous ? e % TileK : e / Tile;
            int j = columnStart + column, p = k0 + kk;
            bSlice[kk * Tile + column] = j < problem.N && p < problem.K
                ? b[bBase + p * problem.BRowStride + j * problem.BColStride]
                : T.Zero;
        }
    }
}

/// <summary>Four values of T held as separate fields, so ILGPU keeps them in registers.</summary>
internal readonly struct Quad<T>(T v0, T v1, T v2, T v3) where T : unmanaged, INumber<T>
{
    public readonly T V0 = v0, V1 = v1, V2 = v2, V3 = v3;

    /// <summary>sums + s·values, element by element.</summary>
    public static Quad<T> MultiplyAdd(Quad<T> sums, T s, Quad<T> values) =>
        new(sums.V0 + s * values.V0, sums.V1 + s * values.V1, sums.V2 + s * values.V2, sums.V3 + s * values.V3);
}

/// <summary>A thread's 4×4 block of C accumulators, updated by value (see <see cref="TiledGemmKernel"/>).</summary>
internal readonly struct MicroTile<T>(Quad<T> row0, Quad<T> row1, Quad<T> row2, Quad<T> row3)
    where T : unmanaged, INumber<T>
{
    public readonly Quad<T> Row0 = row0, Row1 = row1, Row2 = row2, Row3 = row3;

    /// <summary>All sixteen accumulators zero.</summary>
    public static MicroTile<T> Zero()
    {
        var zero = new Quad<T>(T.Zero, T.Zero, T.Zero, T.Zero);
        return new MicroTile<T>(zero, zero, zero, zero);
    }

    /// <summary>The rank-1 update sums + a·bᵀ: row r gains a[r]·b.</summary>
    public static MicroTile<T> MultiplyAdd(MicroTile<T> sums, Quad<T> a, Quad<T> b) =>
        new(Quad<T>.MultiplyAdd(sums.Row0, a.V0, b), Quad<T>.MultiplyAdd(sums.Row1, a.V1, b),
            Quad<T>.MultiplyAdd(sums.Row2, a.V2, b), Quad<T>.MultiplyAdd(sums.Row3, a.V3, b));
}
