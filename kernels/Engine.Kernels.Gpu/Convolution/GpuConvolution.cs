using System.Numerics;
using System.Runtime.CompilerServices;
using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// 2-D convolution over contiguous NCHW tensors on an ILGPU accelerator, with the meaning and layouts of the CPU
/// <see cref="Convolution"/> (sizes from <see cref="ConvGeometry"/>: stride, per-side padding, dilation, groups;
/// weight [K, C/G, kh, kw]), as implicit GEMMs: the im2col matrix is never built; each tile of it is gathered from
/// the tensor into shared memory as the tiled GEMM (<see cref="ImplicitGemmKernel"/>) needs it. float and double.
/// </summary>
/// <remarks>
/// Kernels are queued on the accelerator's default stream; synchronize before reading results on the host.
/// Every output is written exactly once by one thread (no atomics), so results are deterministic. The weight
/// gradient splits its long depth (N·OH·OW) into partial sums in a scratch block from <see cref="GpuMemoryPool"/>
/// and adds them in a fixed order; that call synchronizes before returning the block to the pool.
/// </remarks>
public static class GpuConvolution
{
    /// <summary>Most groups along the grid's z axis on CUDA devices; more (group, split) items are launched in chunks.</summary>
    private const int MaxGridZ = 65535;

    /// <summary>Thread groups the weight-gradient split aims for: a few per multiprocessor on a large GPU.</summary>
    private const long TargetThreadGroups = 512;

    /// <summary>The shortest depth range worth a split of its own (32 steps of the tile loop).</summary>
    private const long MinSplitDepth = 512;

    /// <summary>Most splits: bounds the scratch at this many copies of the weight.</summary>
    private const int MaxSplits = 64;

    /// <summary>y = conv(x, w) + bias, optionally followed by ReLU, queued on the accelerator's default stream.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The sizes.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="bias">Bias [K], or an empty view (Length 0) for none.</param>
    /// <param name="y">Output [N, K, OH, OW]; only written.</param>
    /// <param name="relu">Whether to store max(y, 0) (NaN stays NaN, as the CPU's fused ReLU).</param>
    /// <exception cref="ArgumentException">The geometry is unusable or a view is shorter than its tensor.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void Forward<T>(Accelerator accelerator, ConvGeometry geometry, ArrayView<T> x, ArrayView<T> w,
        ArrayView<T> bias, ArrayView<T> y, bool relu) where T : unmanaged
    {
        const string op = "GpuConvolution.Forward";
        Check<T>(accelerator, geometry, op);
        CheckLength(op, geometry, "x", x.Length, geometry.Batch * geometry.InImageSize);
        CheckLength(op, geometry, "w", w.Length, geometry.WeightSize);
        CheckLength(op, geometry, "y", y.Length, geometry.Batch * geometry.OutImageSize);
        if (bias.Length != 0) CheckLength(op, geometry, "bias", bias.Length, geometry.OutChannels);
        if (geometry.Batch == 0) return;
        var p = ConvProblem.From(geometry);
        p.HasBias = bias.Length != 0 ? 1 : 0;
        p.Relu = relu ? 1 : 0;
        if (typeof(T) == typeof(float))
            Launch<float, ForwardPass<float>>(accelerator, p, ConvKernels<float>.For(accelerator).Forward,
                w.Cast<float>(), x.Cast<float>(), bias.Cast<float>(), y.Cast<float>());
        else
            Launch<double, ForwardPass<double>>(accelerator, p, ConvKernels<double>.For(accelerator).Forward,
                w.Cast<double>(), x.Cast<double>(), bias.Cast<double>(), y.Cast<double>());
    }

    /// <summary>
    /// dx = the gradient of ⟨conv(x, w), dy⟩ with respect to x (also the transposed convolution of dy), queued on
    /// the accelerator's default stream.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="dx">Input gradient [N, C, H, W]; only written (every element, taps or not).</param>
    /// <exception cref="ArgumentException">The geometry is unusable or a view is shorter than its tensor.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void BackwardData<T>(Accelerator accelerator, ConvGeometry geometry, ArrayView<T> dy, ArrayView<T> w,
        ArrayView<T> dx) where T : unmanaged
    {
        const string op = "GpuConvolution.BackwardData";
        Check<T>(accelerator, geometry, op);
        CheckLength(op, geometry, "dy", dy.Length, geometry.Batch * geometry.OutImageSize);
        CheckLength(op, geometry, "w", w.Length, geometry.WeightSize);
        CheckLength(op, geometry, "dx", dx.Length, geometry.Batch * geometry.InImageSize);
        if (geometry.Batch == 0) return;
        var p = ConvProblem.From(geometry);
        if (typeof(T) == typeof(float))
            Launch<float, BackwardDataPass<float>>(accelerator, p, ConvKernels<float>.For(accelerator).BackwardData,
                w.Cast<float>(), dy.Cast<float>(), ArrayView<float>.Empty, dx.Cast<float>());
        else
            Launch<double, BackwardDataPass<double>>(accelerator, p, ConvKernels<double>.For(accelerator).BackwardData,
                w.Cast<double>(), dy.Cast<double>(), ArrayView<double>.Empty, dx.Cast<double>());
    }

    /// <summary>
    /// dw = the gradient of ⟨conv(x, w), dy⟩ with respect to w, summed over the batch. Queued on the accelerator's
    /// default stream; when the depth is split, the call waits for the kernels before returning its scratch.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The sizes of the forward convolution.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="dw">Weight gradient [K, C/G, kh, kw]; only written (zero for an empty batch).</param>
    /// <exception cref="ArgumentException">The geometry is unusable or a view is shorter than its tensor.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void BackwardWeight<T>(Accelerator accelerator, ConvGeometry geometry, ArrayView<T> x, ArrayView<T> dy,
        ArrayView<T> dw) where T : unmanaged =>
        BackwardWeight(accelerator, geometry, x, dy, dw, WeightGradientSplits(geometry));

    /// <summary><see cref="BackwardWeight{T}(Accelerator, ConvGeometry, ArrayView{T}, ArrayView{T}, ArrayView{T})"/> with a chosen number of depth splits (tests).</summary>
    internal static void BackwardWeight<T>(Accelerator accelerator, ConvGeometry geometry, ArrayView<T> x, ArrayView<T> dy,
        ArrayView<T> dw, int splits) where T : unmanaged
    {
        const string op = "GpuConvolution.BackwardWeight";
        Check<T>(accelerator, geometry, op);
        CheckLength(op, geometry, "x", x.Length, geometry.Batch * geometry.InImageSize);
        CheckLength(op, geometry, "dy", dy.Length, geometry.Batch * geometry.OutImageSize);
        CheckLength(op, geometry, "dw", dw.Length, geometry.WeightSize);
        var p = ConvProblem.From(geometry);
        long depth = geometry.Batch * (long)geometry.OutPlaneSize;
        // Each split but the last covers a whole number of 16-deep tile steps.
        p.SplitLength = depth == 0 ? 0 : (((depth + Math.Max(1, splits) - 1) / Math.Max(1, splits)) + 15) / 16 * 16;
        p.Splits = depth == 0 ? 1 : (int)((depth + p.SplitLength - 1) / p.SplitLength);
        if (typeof(T) == typeof(float))
            WeightGradient(accelerator, p, x.Cast<float>(), dy.Cast<float>(), dw.Cast<float>());
        else
            WeightGradient(accelerator, p, x.Cast<double>(), dy.Cast<double>(), dw.Cast<double>());
    }

    /// <summary>
    /// Depth splits of the weight gradient: enough (group, row tile, column tile, split) items to fill a large GPU,
    /// each split at least <see cref="MinSplitDepth"/> deep, at most <see cref="MaxSplits"/>. It depends only on
    /// the geometry, so a given problem is summed the same way on every device.
    /// </summary>
    internal static int WeightGradientSplits(in ConvGeometry g)
    {
        if (g.Problem() is not null) return 1;
        long tiles = (long)g.Groups * TileCount(g.GroupOutChannels) * TileCount((long)g.GroupInChannels * g.KernelHeight * g.KernelWidth);
        long wanted = (TargetThreadGroups + tiles - 1) / tiles;
        long deepEnough = g.Batch * (long)g.OutPlaneSize / MinSplitDepth;
        return (int)Math.Clamp(Math.Min(wanted, deepEnough), 1, MaxSplits);
    }

    private static void WeightGradient<T>(Accelerator accelerator, ConvProblem p, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> dw)
        where T : unmanaged, INumber<T>
    {
        var kernels = ConvKernels<T>.For(accelerator);
        if (p.Splits == 1)
        {
            Launch<T, BackwardWeightPass<T>>(accelerator, p, kernels.BackwardWeight, dy, x, ArrayView<T>.Empty, dw);
            return;
        }
        using var scratch = GpuMemoryPool.For(accelerator).Rent(p.Splits * p.WeightSize * Unsafe.SizeOf<T>());
        var partials = scratch.View<T>();
        Launch<T, BackwardWeightPass<T>>(accelerator, p, kernels.BackwardWeight, dy, x, ArrayView<T>.Empty, partials);
        // The scratch goes back to the pool with the kernels still queued: reuse is stream-ordered (see GpuMemoryPool).
        kernels.SumSplitsKernel(GridStride.Threads(p.WeightSize), partials, dw, p.WeightSize, p.Splits);
    }

    /// <summary>Queues one pass over every (group, split), chunked along the grid's z axis.</summary>
    private static void Launch<T, TPass>(Accelerator accelerator, ConvProblem p,
        Action<KernelConfig, ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>> kernel,
        ArrayView<T> a, ArrayView<T> b, ArrayView<T> bias, ArrayView<T> c)
        where T : unmanaged, INumber<T> where TPass : struct, IImplicitGemmPass<T>
    {
        TPass pass = default;
        if (p.Splits == 1) p.SplitLength = pass.Depth(p);
        int columnTiles = checked((int)TileCount(pass.Columns(p))), rowTiles = (int)TileCount(pass.Rows(p));
        int zCount = checked(p.Groups * p.Splits);
        var group = new Index3D(ImplicitGemmKernel.ThreadsPerSide, ImplicitGemmKernel.ThreadsPerSide, 1);
        for (int first = 0; first < zCount; first += MaxGridZ)
        {
            p.FirstZ = first;
            kernel(new KernelConfig(new Index3D(columnTiles, rowTiles, Math.Min(MaxGridZ, zCount - first)), group), p, a, b, bias, c);
        }
    }

    private static long TileCount(long size) => (size + ImplicitGemmKernel.TileSize - 1) / ImplicitGemmKernel.TileSize;

    private static void Check<T>(Accelerator accelerator, in ConvGeometry geometry, string op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"{op} supports float and double, not {typeof(T).FullName}.");
        if (geometry.Problem() is { } problem)
            throw new ArgumentException($"{op}: {problem} ({geometry}).", nameof(geometry));
    }

    private static void CheckLength(string op, in ConvGeometry geometry, string name, long length, long needed)
    {
        if (length < needed)
            throw new ArgumentException($"{op}: {name} has {length} elements but the geometry needs {needed} ({geometry}).", name);
    }
}
