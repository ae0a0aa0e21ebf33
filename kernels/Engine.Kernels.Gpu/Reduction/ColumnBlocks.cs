using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// How the reduction kernels split x viewed as [outer, length, inner]: one group of up to <see cref="GroupSize"/>
/// threads per block of up to 32 adjacent output columns (i, i + 1, … of one o), laid out as rows × columns threads
/// (rows a power of two, no more than the line needs, so short lines do not idle a whole group). A
/// thread's column cx reads x[o, k, i + cx], so a row of threads reads adjacent elements when inner is large; the
/// rows stride down the reduced axis and are then folded by a shared-memory tree (no warp shuffles: OpenCL
/// devices without subgroups run it too).
/// </summary>
internal static class ColumnBlocks
{
    /// <summary>Most threads per group (the shared-memory size): a power of two, so the tree halves evenly.</summary>
    public const int GroupSize = 256;

    // Enough groups to fill any current GPU; more blocks are walked by a grid-stride loop.
    private const long MaxGroups = 1L << 16;

    /// <summary>Columns per group: the power of two ≥ inner, at most 32 (inner = 1 gives one column of 256 rows).</summary>
    public static int Columns(long inner)
    {
        int columns = 1;
        while (columns < 32 && columns < inner) columns *= 2;
        return columns;
    }

    /// <summary>
    /// Threads per group for lines of <paramref name="length"/>: columns × rows, rows the power of two ≥ length,
    /// at least a 32-thread warp and at most <see cref="GroupSize"/> threads.
    /// </summary>
    public static int Threads(long length, int columns)
    {
        int rows = Math.Max(1, 32 / columns);
        while (rows * columns < GroupSize && rows < length) rows *= 2;
        return rows * columns;
    }

    /// <summary>The number of column blocks, outer × ⌈inner / columns⌉.</summary>
    public static long Blocks(long outer, long inner, int columns) => outer * ((inner + columns - 1) / columns);

    /// <summary>The launch: one group of <see cref="Threads"/> threads per block, up to the grid cap.</summary>
    public static KernelConfig Launch(long blocks, long length, int columns) => new((int)Math.Min(blocks, MaxGroups), Threads(length, columns));

    /// <summary>Checks the [outer, length, inner] view against x and an output of <paramref name="yPerColumn"/> elements per column.</summary>
    public static void Check(string kernel, long outer, long length, long inner, long xLength, long yLength, long yPerColumn)
    {
        if (outer < 0 || length < 0 || inner < 0)
            throw new ArgumentException($"{kernel}: outer = {outer}, length = {length}, inner = {inner} must be non-negative.");
        if (outer * length * inner > xLength)
            throw new ArgumentException($"{kernel}: x has {xLength} elements, [{outer}, {length}, {inner}] needs {outer * length * inner}.");
        if (outer * inner * yPerColumn > yLength)
            throw new ArgumentException($"{kernel}: y has {yLength} elements, [{outer}, {length}, {inner}] needs {outer * inner * yPerColumn}.");
    }
}
