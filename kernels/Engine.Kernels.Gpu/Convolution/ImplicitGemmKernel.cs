using System.Numerics;
using ILGPU;

namespace Engine.Kernels.Gpu;

/// <summary>
/// One pass of the convolution seen as a GEMM C = A·B per channel group whose B operand is gathered from an
/// NCHW tensor on the fly (no im2col buffer): how to read A, how to decode a B column and gather B, and where
/// each C element goes. Implemented by structs and called on <c>default(TPass)</c>, so ILGPU inlines the calls
/// (the <see cref="IGpuScalarMath{T}"/> pattern).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal interface IImplicitGemmPass<T> where T : unmanaged, INumber<T>
{
    /// <summary>Rows of C per group (M).</summary>
    int Rows(ConvProblem p);

    /// <summary>Columns of C per group (N).</summary>
    long Columns(ConvProblem p);

    /// <summary>The whole GEMM depth (all splits together).</summary>
    long Depth(ConvProblem p);

    /// <summary>A(row, depth) of group <paramref name="group"/>; row and depth are in range.</summary>
    T LoadA(ConvProblem p, ArrayView<T> a, int group, int row, long depth);

    /// <summary>Decodes column <paramref name="column"/> of group <paramref name="group"/> for <see cref="LoadB"/>.</summary>
    ColumnOrigin Column(ConvProblem p, int group, long column);

    /// <summary>B(depth, column) for a valid column and an in-range depth; zero where the tap falls outside the tensor.</summary>
    T LoadB(ConvProblem p, ArrayView<T> b, ColumnOrigin column, long depth);

    /// <summary>The part of C(row, column)'s output index that depends on the column (and split), or −1 past the last column.</summary>
    long OutputColumn(ConvProblem p, int split, long column);

    /// <summary>The part of C(row, column)'s output index that depends on the group and row.</summary>
    long OutputRow(ConvProblem p, int group, int row);

    /// <summary>The value stored for the sum of C(row, ·): the epilogue (bias, ReLU) or the sum itself.</summary>
    T Finish(ConvProblem p, ArrayView<T> bias, int group, int row, T sum);
}

/// <summary>
/// The tiled implicit-GEMM kernel shared by the three convolution passes: the shape of <see cref="TiledGemmKernel"/>
/// (16×16 threads, a 64×64 C tile per group, depth steps of 16 staged in shared memory, a 4×4 strided register
/// micro-tile per thread, zeros outside the operands so the inner loop has no branches) with the B slice gathered
/// from the tensor by the pass.
/// </summary>
/// <remarks>
/// Grid (x, y, z) = (column tiles, row tiles, group·splits chunk). Each thread loads the B slice for one fixed
/// column (thread mod 64; consecutive threads take consecutive columns, which are neighbouring pixels for the
/// data passes, so the gathers coalesce) and four depths, so a column is decoded (divisions by the plane and
/// row sizes) once per thread, not once per step. The split z covers depth [split·SplitLength, +SplitLength) of
/// the weight-gradient pass; the other passes have one split over the whole depth.
/// </remarks>
internal static class ImplicitGemmKernel
{
    private const int Side = TiledGemmKernel.ThreadsPerSide;
    private const int Tile = TiledGemmKernel.Tile;
    private const int TileK = TiledGemmKernel.TileK;
    private const int GroupSize = Side * Side;
    private const int SliceSize = Tile * TileK;

    /// <summary>Threads per group along x and y of a launch.</summary>
    public const int ThreadsPerSide = Side;

    /// <summary>Rows and columns of C per group of threads.</summary>
    public const int TileSize = Tile;

    /// <summary>The kernel of one pass; c receives the pass's outputs (see <see cref="IImplicitGemmPass{T}"/>).</summary>
    public static void Run<T, TPass>(ConvProblem p, ArrayView<T> a, ArrayView<T> b, ArrayView<T> bias, ArrayView<T> c)
        where T : unmanaged, INumber<T> where TPass : struct, IImplicitGemmPass<T>
    {
        TPass pass = default;
        ArrayView<T> aSlice = SharedMemory.Allocate<T>(SliceSize);
        ArrayView<T> bSlice = SharedMemory.Allocate<T>(SliceSize);
        int tx = Group.IdxX, ty = Group.IdxY;
        int thread = ty * Side + tx;
        int z = p.FirstZ + Grid.IdxZ;
        int group = z / p.Splits, split = z - group * p.Splits;
        int rows = pass.Rows(p);
        int rowStart = Grid.IdxY * Tile;
        long columnStart = (long)Grid.IdxX * Tile;
        long depthStart = split * p.SplitLength;
        long depthEnd = XMin(pass.Depth(p), depthStart + p.SplitLength);

        int loadColumn = thread % Tile, loadDepth = thread / Tile;
        long column = columnStart + loadColumn;
        ColumnOrigin origin = column < pass.Columns(p) ? pass.Column(p, group, column) : new ColumnOrigin(0, 0, 0, false);

        MicroTile<T> sums = MicroTile<T>.Zero();
        for (long k0 = depthStart; k0 < depthEnd; k0 += TileK)
        {
            // A: consecutive threads walk the depth, contiguous in every pass's A.
            for (int e = thread; e < SliceSize; e += GroupSize)
            {
                int row = e / TileK, kk = e % TileK;
                int i = rowStart + row;
                long d = k0 + kk;
                aSlice[kk * Tile + row] = i < rows && d < depthEnd ? pass.LoadA(p, a, group, i, d) : T.Zero;
            }
            for (int kk = loadDepth; kk < TileK; kk += GroupSize / Tile)
            {
                long d = k0 + kk;
                bSlice[kk * Tile + loadColumn] = origin.Valid && d < depthEnd ? pass.LoadB(p, b, origin, d) : T.Zero;
            }
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

        long out0 = pass.OutputColumn(p, split, columnStart + tx);
        long out1 = pass.OutputColumn(p, split, columnStart + tx + 16);
        long out2 = pass.OutputColumn(p, split, columnStart + tx + 32);
        long out3 = pass.OutputColumn(p, split, columnStart + tx + 48);
        var outputs = new OutputColumns(out0, out1, out2, out3);
        StoreRow<T, TPass>(p, bias, c, group, rowStart + ty, outputs, sums.Row0);
        StoreRow<T, TPass>(p, bias, c, group, rowStart + ty + 16, outputs, sums.Row1);
        StoreRow<T, TPass>(p, bias, c, group, rowStart + ty + 32, outputs, sums.Row2);
        StoreRow<T, TPass>(p, bias, c, group, rowStart + ty + 48, outputs, sums.Row3);
    }

    private static void StoreRow<T, TPass>(ConvProblem p, ArrayView<T> bias, ArrayView<T> c, int group, int row,
        OutputColumns outputs, Quad<T> sums)
        where T : unmanaged, INumber<T> where TPass : struct, IImplicitGemmPass<T>
    {
        TPass pass = default;
        if (row >= pass.Rows(p)) return;
        long rowIndex = pass.OutputRow(p, group, row);
        if (outputs.C0 >= 0) c[rowIndex + outputs.C0] = pass.Finish(p, bias, group, row, sums.V0);
        if (outputs.C1 >= 0) c[rowIndex + outputs.C1] = pass.Finish(p, bias, group, row, sums.V1);
        if (outputs.C2 >= 0) c[rowIndex + outputs.C2] = pass.Finish(p, bias, group, row, sums.V2);
        if (outputs.C3 >= 0) c[rowIndex + outputs.C3] = pass.Finish(p, bias, group, row, sums.V3);
    }

    private static long XMin(long a, long b) => a < b ? a : b;
}

/// <summary>The column parts of the output indices of a thread's four micro-tile columns (−1: past the end).</summary>
internal readonly struct OutputColumns(long c0, long c1, long c2, long c3)
{
    public readonly long C0 = c0, C1 = c1, C2 = c2, C3 = c3;
}
