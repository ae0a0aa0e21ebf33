using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// General matrix multiply C = alpha·A·B + beta·C on an ILGPU accelerator, for float and double, with the
/// argument convention of the CPU <c>Engine.Kernels.Cpu.Gemm</c>: A(i,p) = a[aOffset + i*aRowStride + p*aColStride],
/// B(p,j) = b[bOffset + p*bRowStride + j*bColStride], C(i,j) = c[cOffset + i*ldc + j] (row-major), so a transposed
/// operand is just swapped strides. When beta is zero C is only written, never read (it may hold NaN); k = 0
/// gives C = beta·C; m = 0 or n = 0 launches nothing.
/// </summary>
/// <remarks>
/// Kernels are queued on the accelerator's default stream and not waited for: synchronize (or copy the result
/// back, which does) before reading C on the host. Each kernel is compiled once per accelerator and element type.
/// </remarks>
public static class GpuGemm
{
    /// <summary>Most groups along the grid's y and z axes on CUDA devices; larger batches are launched in chunks.</summary>
    private const int MaxGridYZ = 65535;

    /// <summary>Queues C = alpha·A·B + beta·C on the accelerator's default stream.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator owning the views.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="alpha">Scale of the product A·B.</param>
    /// <param name="a">Memory holding A.</param>
    /// <param name="aOffset">Element index of A(0,0) in <paramref name="a"/>.</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Memory holding B.</param>
    /// <param name="bOffset">Element index of B(0,0) in <paramref name="b"/>.</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of the old C; zero means C is not read.</param>
    /// <param name="c">Memory holding C.</param>
    /// <param name="cOffset">Element index of C(0,0) in <paramref name="c"/>.</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <param name="algorithm">The kernel to launch; <see cref="GpuGemmAlgorithm.Blocked"/> unless comparing or testing.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, offset or stride is negative, or the algorithm is unknown.</exception>
    /// <exception cref="ArgumentException">An operand reaches past the end of its view.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void Run<T>(Accelerator accelerator, int m, int n, int k, T alpha,
        ArrayView<T> a, long aOffset, long aRowStride, long aColStride,
        ArrayView<T> b, long bOffset, long bRowStride, long bColStride,
        T beta, ArrayView<T> c, long cOffset, long ldc, GpuGemmAlgorithm algorithm = GpuGemmAlgorithm.Blocked)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var problem = new GemmProblem<T>
        {
            M = m, N = n, K = k, AOffset = aOffset, ARowStride = aRowStride, AColStride = aColStride,
            BOffset = bOffset, BRowStride = bRowStride, BColStride = bColStride, COffset = cOffset, Ldc = ldc,
            Alpha = alpha, Beta = beta,
        };
        GpuGemmArguments.Check(problem, batch: 1, algorithm);
        GpuGemmArguments.CheckReach(problem, a.Length, b.Length, c.Length);
        Launch(accelerator, problem, batch: 1, a, b, c,
            ArrayView<long>.Empty, ArrayView<long>.Empty, ArrayView<long>.Empty, algorithm);
    }

    /// <summary>
    /// Queues <paramref name="batch"/> independent GEMMs of one shape and one set of strides: item t multiplies
    /// the A at a[aOffsets[t] + …] by the B at b[bOffsets[t] + …] into the C at c[cOffsets[t] + …].
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator owning the views.</param>
    /// <param name="batch">Number of GEMMs.</param>
    /// <param name="m">Rows of each A and C.</param>
    /// <param name="n">Columns of each B and C.</param>
    /// <param name="k">Columns of each A, rows of each B.</param>
    /// <param name="alpha">Scale of each product.</param>
    /// <param name="a">Memory holding the A operands.</param>
    /// <param name="aOffsets">Element index of each item's A(0,0) in <paramref name="a"/>; may repeat (broadcast).</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Memory holding the B operands.</param>
    /// <param name="bOffsets">Element index of each item's B(0,0) in <paramref name="b"/>; may repeat (broadcast).</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of each old C; zero means C is not read.</param>
    /// <param name="c">Memory holding the C outputs.</param>
    /// <param name="cOffsets">Element index of each item's C(0,0) in <paramref name="c"/>; the C matrices must not overlap.</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <param name="algorithm">The kernel to launch; <see cref="GpuGemmAlgorithm.Blocked"/> unless comparing or testing.</param>
    /// <exception cref="ArgumentOutOfRangeException">batch, a size or a stride is negative, or the algorithm is unknown.</exception>
    /// <exception cref="ArgumentException">An offsets view does not have <paramref name="batch"/> entries.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    /// <remarks>The offsets live on the device, so they are not range-checked against the operand views.</remarks>
    public static void RunBatched<T>(Accelerator accelerator, int batch, int m, int n, int k, T alpha,
        ArrayView<T> a, ArrayView<long> aOffsets, long aRowStride, long aColStride,
        ArrayView<T> b, ArrayView<long> bOffsets, long bRowStride, long bColStride,
        T beta, ArrayView<T> c, ArrayView<long> cOffsets, long ldc, GpuGemmAlgorithm algorithm = GpuGemmAlgorithm.Blocked)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var problem = new GemmProblem<T>
        {
            M = m, N = n, K = k, ARowStride = aRowStride, AColStride = aColStride,
            BRowStride = bRowStride, BColStride = bColStride, Ldc = ldc, Alpha = alpha, Beta = beta,
        };
        GpuGemmArguments.Check(problem, batch, algorithm);
        GpuGemmArguments.CheckOffsetCounts(problem, batch, aOffsets.Length, bOffsets.Length, cOffsets.Length);
        Launch(accelerator, problem, batch, a, b, c, aOffsets, bOffsets, cOffsets, algorithm);
    }

    /// <summary>
    /// Queues a strided batched GEMM: <paramref name="layout"/>.Items products of one shape, item i's operands at the
    /// offsets the layout gives (broadcast operands have stride 0 along their repeated axes). The kernels compute the
    /// offsets, so nothing is copied from the host and nothing waits.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator owning the views.</param>
    /// <param name="layout">The batch axes and the operands' strides along them.</param>
    /// <param name="m">Rows of each A and C.</param>
    /// <param name="n">Columns of each B and C.</param>
    /// <param name="k">Columns of each A, rows of each B.</param>
    /// <param name="alpha">Scale of each product.</param>
    /// <param name="a">Memory holding the A operands; item 0's A(0,0) at element 0.</param>
    /// <param name="aRowStride">Elements between A(i,p) and A(i+1,p).</param>
    /// <param name="aColStride">Elements between A(i,p) and A(i,p+1).</param>
    /// <param name="b">Memory holding the B operands; item 0's B(0,0) at element 0.</param>
    /// <param name="bRowStride">Elements between B(p,j) and B(p+1,j).</param>
    /// <param name="bColStride">Elements between B(p,j) and B(p,j+1).</param>
    /// <param name="beta">Scale of each old C; zero means C is not read.</param>
    /// <param name="c">Memory holding the C outputs; item 0's C(0,0) at element 0. The C matrices must not overlap.</param>
    /// <param name="ldc">Elements between C(i,j) and C(i+1,j).</param>
    /// <param name="algorithm">The kernel to launch; <see cref="GpuGemmAlgorithm.Blocked"/> unless comparing or testing.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or a stride is negative, or the algorithm is unknown.</exception>
    /// <exception cref="ArgumentException">The last item's A, B or C reaches past its view, or the batch has more than
    /// int.MaxValue items.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void RunBatched<T>(Accelerator accelerator, GemmBatchLayout layout, int m, int n, int k, T alpha,
        ArrayView<T> a, long aRowStride, long aColStride, ArrayView<T> b, long bRowStride, long bColStride,
        T beta, ArrayView<T> c, long ldc, GpuGemmAlgorithm algorithm = GpuGemmAlgorithm.Blocked)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var problem = new GemmProblem<T>
        {
            M = m, N = n, K = k, ARowStride = aRowStride, AColStride = aColStride,
            BRowStride = bRowStride, BColStride = bColStride, Ldc = ldc, Alpha = alpha, Beta = beta, Batch = layout,
        };
        long items = layout.Items;
        if (items > int.MaxValue)
            throw new ArgumentException($"GpuGemm (m={m}, n={n}, k={k}): a batch of {items} items exceeds int.MaxValue.", nameof(layout));
        GpuGemmArguments.Check(problem, (int)items, algorithm);
        GpuGemmArguments.CheckReach(problem with { AOffset = layout.LastOffset('A'), BOffset = layout.LastOffset('B'), COffset = layout.LastOffset('C') },
            a.Length, b.Length, c.Length);
        Launch(accelerator, problem, (int)items, a, b, c, ArrayView<long>.Empty, ArrayView<long>.Empty, ArrayView<long>.Empty, algorithm);
    }

    private static void Launch<T>(Accelerator accelerator, GemmProblem<T> problem, int batch,
        ArrayView<T> a, ArrayView<T> b, ArrayView<T> c,
        ArrayView<long> aOffsets, ArrayView<long> bOffsets, ArrayView<long> cOffsets, GpuGemmAlgorithm algorithm)
        where T : unmanaged, INumber<T>
    {
        if (batch == 0 || problem.M == 0 || problem.N == 0) return;
        var kernels = GemmKernels<T>.For(accelerator);
        int itemsPerLaunch = ItemsPerLaunch(problem, algorithm);
        int vectorLoads = algorithm == GpuGemmAlgorithm.Blocked ? BlockedGemmKernel.VectorLoads(problem, a, b) : 0;
        for (int first = 0; first < batch; first += itemsPerLaunch)
        {
            int items = Math.Min(itemsPerLaunch, batch - first);
            problem.FirstItem = first;
            if (algorithm == GpuGemmAlgorithm.Blocked)
            {
                var grid = new Index3D(Groups(problem.N, BlockedGemmKernel.Tile), Groups(problem.M, BlockedGemmKernel.Tile), items);
                var group = new Index3D(BlockedGemmKernel.ThreadsPerSide, BlockedGemmKernel.ThreadsPerSide, 1);
                kernels.Blocked(new KernelConfig(grid, group), problem, vectorLoads, a, b, c, aOffsets, bOffsets, cOffsets);
            }
            else if (algorithm == GpuGemmAlgorithm.Tiled)
            {
                var grid = new Index3D(Groups(problem.N, TiledGemmKernel.Tile), Groups(problem.M, TiledGemmKernel.Tile), items);
                var group = new Index3D(TiledGemmKernel.ThreadsPerSide, TiledGemmKernel.ThreadsPerSide, 1);
                kernels.Tiled(new KernelConfig(grid, group), problem, a, b, c, aOffsets, bOffsets, cOffsets);
            }
            else
            {
                kernels.Reference(new Index3D(problem.N, problem.M, items), problem, a, b, c, aOffsets, bOffsets, cOffsets);
            }
        }
    }

    /// <summary>Groups of one <paramref name="tile"/>-wide tile needed to cover <paramref name="size"/>.</summary>
    private static int Groups(int size, int tile) => (size + tile - 1) / tile;

    /// <summary>
    /// Batch items per launch: the grid's z extent is capped for the tiled kernels, and the reference kernel's
    /// thread count m·n·items must fit in an int.
    /// </summary>
    private static int ItemsPerLaunch<T>(GemmProblem<T> problem, GpuGemmAlgorithm algorithm) where T : unmanaged, INumber<T>
    {
        if (algorithm != GpuGemmAlgorithm.Reference) return MaxGridYZ;
        long threadsPerItem = (long)problem.M * problem.N;
        if (threadsPerItem > int.MaxValue)
            throw new NotSupportedException(
                $"GpuGemm: the reference kernel runs one thread per C element and m·n = {problem.M}·{problem.N} exceeds int.MaxValue; use the blocked or tiled kernel.");
        return (int)Math.Min(MaxGridYZ, int.MaxValue / threadsPerItem);
    }
}
