using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Batch and layer normalisation on a GPU, with the semantics of the CPU <see cref="BatchNorm"/> and <see cref="LayerNorm"/>:
/// batch statistics are the per-channel mean and BIASED variance; layer norm writes each row's mean and
/// invStd = 1/√(var + eps). Reductions run in the element type with a two-pass variance, one group per channel or row
/// and a shared-memory tree, so results are deterministic (no atomics). An optional operand is an empty view
/// (Length 0): no weight means 1, no bias 0, and an empty gradient output is skipped. float and double; every entry
/// point queues on the accelerator's default stream.
/// </summary>
public static class GpuNormalization
{
    /// <summary>Per-channel mean and biased variance (divided by outer·inner) of x [outer, channels, inner].</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="outer">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="inner">The spatial product.</param>
    /// <param name="x">Input, contiguous.</param>
    /// <param name="mean">Output, [channels].</param>
    /// <param name="variance">Output, [channels].</param>
    public static void BatchNormStatistics<T>(Accelerator accelerator, long outer, long channels, long inner, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> variance)
        where T : unmanaged
    {
        const string kernel = "GpuNormalization.BatchNormStatistics";
        var layout = CheckLayout(kernel, accelerator, outer, channels, inner, x.Length);
        Require(kernel, nameof(mean), mean.Length, channels);
        Require(kernel, nameof(variance), variance.Length, channels);
        if (channels == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>>>(accelerator, kernel,
            NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.BatchStatistics.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.BatchStatistics.On);
        launch(ColumnBlocks.Launch(channels, layout.PerChannel, 1), layout, x, mean, variance);
    }

    /// <summary>y = (x − mean)/√(variance + eps)·weight + bias per channel; y may be x.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="outer">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="inner">The spatial product.</param>
    /// <param name="x">Input, [outer, channels, inner] contiguous.</param>
    /// <param name="mean">Per-channel mean.</param>
    /// <param name="variance">Per-channel variance.</param>
    /// <param name="weight">γ [channels], or empty for 1.</param>
    /// <param name="bias">β [channels], or empty for 0.</param>
    /// <param name="eps">Added to the variance; finite, non-negative.</param>
    /// <param name="y">Output, like x.</param>
    public static void BatchNormForward<T>(Accelerator accelerator, long outer, long channels, long inner, ArrayView<T> x, ArrayView<T> mean,
        ArrayView<T> variance, ArrayView<T> weight, ArrayView<T> bias, double eps, ArrayView<T> y) where T : unmanaged
    {
        const string kernel = "GpuNormalization.BatchNormForward";
        var layout = CheckLayout(kernel, accelerator, outer, channels, inner, x.Length);
        long n = outer * channels * inner;
        Require(kernel, nameof(mean), mean.Length, channels);
        Require(kernel, nameof(variance), variance.Length, channels);
        int flags = Optional(kernel, nameof(weight), weight.Length, channels, NormalizationFlags.Weight)
            | Optional(kernel, nameof(bias), bias.Length, channels, NormalizationFlags.Bias);
        Require(kernel, nameof(y), y.Length, n);
        CheckEpsilon(kernel, eps);
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>>>(
            accelerator, kernel, NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.BatchForward.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.BatchForward.On);
        launch(GridStride.Threads(n), layout, x, mean, variance, weight, bias, Scalar<T>(eps), flags, y);
    }

    /// <summary>
    /// Gradients from dy: dWeight = Σ dy·x̂ and dBias = Σ dy per channel (x̂ = (x − mean)·invstd); dx =
    /// invstd·γ·(dy − mean(dy) − x̂·mean(dy·x̂)) when <paramref name="training"/>, else dy·γ·invstd. dx, dWeight and dBias
    /// may each be empty to skip it.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="outer">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="inner">The spatial product.</param>
    /// <param name="x">The forward input, [outer, channels, inner].</param>
    /// <param name="dy">Output gradient, like x.</param>
    /// <param name="mean">The mean the forward used.</param>
    /// <param name="variance">The variance the forward used.</param>
    /// <param name="weight">γ, or empty for 1.</param>
    /// <param name="eps">As in the forward.</param>
    /// <param name="training">Whether mean and variance were the batch's own (their gradients flow into dx).</param>
    /// <param name="dx">Input gradient, like x, or empty.</param>
    /// <param name="dWeight">γ's gradient [channels], or empty.</param>
    /// <param name="dBias">β's gradient [channels], or empty.</param>
    public static void BatchNormBackward<T>(Accelerator accelerator, long outer, long channels, long inner, ArrayView<T> x, ArrayView<T> dy,
        ArrayView<T> mean, ArrayView<T> variance, ArrayView<T> weight, double eps, bool training, ArrayView<T> dx, ArrayView<T> dWeight,
        ArrayView<T> dBias) where T : unmanaged
    {
        const string kernel = "GpuNormalization.BatchNormBackward";
        var layout = CheckLayout(kernel, accelerator, outer, channels, inner, x.Length);
        long n = outer * channels * inner;
        Require(kernel, nameof(dy), dy.Length, n);
        Require(kernel, nameof(mean), mean.Length, channels);
        Require(kernel, nameof(variance), variance.Length, channels);
        int flags = Optional(kernel, nameof(weight), weight.Length, channels, NormalizationFlags.Weight)
            | Optional(kernel, nameof(dx), dx.Length, n, NormalizationFlags.Dx)
            | Optional(kernel, nameof(dWeight), dWeight.Length, channels, NormalizationFlags.DWeight)
            | Optional(kernel, nameof(dBias), dBias.Length, channels, NormalizationFlags.DBias)
            | (training ? NormalizationFlags.Training : 0);
        CheckEpsilon(kernel, eps);
        if (channels == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, ChannelLayout, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int>>(
            accelerator, kernel, NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.BatchBackward.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.BatchBackward.On);
        launch(ColumnBlocks.Launch(channels, layout.PerChannel, 1), layout, x, dy, mean, variance, weight, dx, dWeight, dBias, Scalar<T>(eps), flags);
    }

    /// <summary>Each row of x [rows, rowLength] normalised by its own mean and biased variance, then y = x̂·weight + bias elementwise.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="rowLength">Elements per row.</param>
    /// <param name="x">Input, contiguous.</param>
    /// <param name="weight">[rowLength], or empty for 1.</param>
    /// <param name="bias">[rowLength], or empty for 0.</param>
    /// <param name="eps">Added to the variance; finite, non-negative.</param>
    /// <param name="y">Output, like x.</param>
    /// <param name="mean">Each row's mean, [rows].</param>
    /// <param name="invStd">Each row's 1/√(var + eps), [rows].</param>
    public static void LayerNormForward<T>(Accelerator accelerator, long rows, long rowLength, ArrayView<T> x, ArrayView<T> weight, ArrayView<T> bias,
        double eps, ArrayView<T> y, ArrayView<T> mean, ArrayView<T> invStd) where T : unmanaged
    {
        const string kernel = "GpuNormalization.LayerNormForward";
        CheckRows(kernel, accelerator, rows, rowLength, x.Length);
        int flags = Optional(kernel, nameof(weight), weight.Length, rowLength, NormalizationFlags.Weight)
            | Optional(kernel, nameof(bias), bias.Length, rowLength, NormalizationFlags.Bias);
        Require(kernel, nameof(y), y.Length, rows * rowLength);
        Require(kernel, nameof(mean), mean.Length, rows);
        Require(kernel, nameof(invStd), invStd.Length, rows);
        CheckEpsilon(kernel, eps);
        if (rows == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, T, int, ArrayView<T>, ArrayView<T>, ArrayView<T>>>(
            accelerator, kernel, NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.LayerForward.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.LayerForward.On);
        launch(ColumnBlocks.Launch(rows, rowLength, 1), rows, rowLength, x, weight, bias, Scalar<T>(eps), flags, y, mean, invStd);
    }

    /// <summary>
    /// Gradients from dy with the forward's mean and invStd: per row dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) with
    /// g = dy·weight; dWeight = Σ_rows dy·x̂ and dBias = Σ_rows dy (column-block sums over the rows). dx, dWeight and
    /// dBias may each be empty to skip it.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="rowLength">Elements per row.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">Output gradient, like x.</param>
    /// <param name="mean">The forward's row means.</param>
    /// <param name="invStd">The forward's row 1/√(var + eps).</param>
    /// <param name="weight">[rowLength], or empty for 1.</param>
    /// <param name="dx">Input gradient, like x, or empty.</param>
    /// <param name="dWeight">Weight gradient [rowLength], or empty.</param>
    /// <param name="dBias">Bias gradient [rowLength], or empty.</param>
    public static void LayerNormBackward<T>(Accelerator accelerator, long rows, long rowLength, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> mean,
        ArrayView<T> invStd, ArrayView<T> weight, ArrayView<T> dx, ArrayView<T> dWeight, ArrayView<T> dBias) where T : unmanaged
    {
        const string kernel = "GpuNormalization.LayerNormBackward";
        CheckRows(kernel, accelerator, rows, rowLength, x.Length);
        Require(kernel, nameof(dy), dy.Length, rows * rowLength);
        Require(kernel, nameof(mean), mean.Length, rows);
        Require(kernel, nameof(invStd), invStd.Length, rows);
        int flags = Optional(kernel, nameof(weight), weight.Length, rowLength, NormalizationFlags.Weight)
            | Optional(kernel, nameof(dx), dx.Length, rows * rowLength, NormalizationFlags.Dx)
            | Optional(kernel, nameof(dWeight), dWeight.Length, rowLength, NormalizationFlags.DWeight)
            | Optional(kernel, nameof(dBias), dBias.Length, rowLength, NormalizationFlags.DBias);
        if (NormalizationFlags.Has(flags, NormalizationFlags.Dx) && rows > 0 && rowLength > 0)
        {
            var rowsLaunch = ElementType.Pick<T, Action<KernelConfig, long, long, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>>>(
                accelerator, kernel, NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.LayerBackwardRows.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.LayerBackwardRows.On);
            rowsLaunch(ColumnBlocks.Launch(rows, rowLength, 1), rows, rowLength, x, dy, mean, invStd, weight, flags, dx);
        }
        if ((flags & (NormalizationFlags.DWeight | NormalizationFlags.DBias)) != 0 && rowLength > 0)
        {
            // Rows = 0 still launches: the column sums are then 0 and must be written.
            int columns = ColumnBlocks.Columns(rowLength);
            var columnsLaunch = ElementType.Pick<T, Action<KernelConfig, long, long, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>>>(
                accelerator, kernel, NormalizationKernels<float, GpuFloatMath, GpuFloatCounts>.LayerBackwardColumns.On, NormalizationKernels<double, GpuDoubleMath, GpuDoubleCounts>.LayerBackwardColumns.On);
            columnsLaunch(ColumnBlocks.Launch(ColumnBlocks.Blocks(1, rowLength, columns), rows, columns), rows, rowLength, columns, x, dy, mean, invStd, flags, dWeight, dBias);
        }
    }

    /// <summary>A host double as the kernel's element type.</summary>
    private static T Scalar<T>(double value) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)value : typeof(T) == typeof(double) ? (T)(object)value : default;

    private static ChannelLayout CheckLayout(string kernel, Accelerator accelerator, long outer, long channels, long inner, long xLength)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (outer < 0 || channels < 0 || inner < 0)
            throw new ArgumentException($"{kernel}: outer = {outer}, channels = {channels}, inner = {inner} must be non-negative.");
        Require(kernel, "x", xLength, outer * channels * inner);
        return new ChannelLayout(outer, channels, inner);
    }

    private static void CheckRows(string kernel, Accelerator accelerator, long rows, long rowLength, long xLength)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (rows < 0 || rowLength < 0) throw new ArgumentException($"{kernel}: rows = {rows}, rowLength = {rowLength} must be non-negative.");
        Require(kernel, "x", xLength, rows * rowLength);
    }

    private static void Require(string kernel, string name, long length, long needed)
    {
        if (length < needed) throw new ArgumentException($"{kernel}: {name} has {length} elements, the problem needs {needed}.", name);
    }

    /// <summary>The flag of an optional operand: 0 when it is empty, else the operand must be long enough.</summary>
    private static int Optional(string kernel, string name, long length, long needed, int flag)
    {
        if (length == 0) return 0;
        Require(kernel, name, length, needed);
        return flag;
    }

    private static void CheckEpsilon(string kernel, double eps)
    {
        if (!(eps >= 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{kernel}: eps must be finite and non-negative, got {eps}.");
    }
}
