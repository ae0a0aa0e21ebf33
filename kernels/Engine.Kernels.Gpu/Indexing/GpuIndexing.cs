using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Gather and scatter-add along one axis on a GPU, with the CPU backend's semantics: x (or y) is contiguous
/// [outer, axisLength, inner], the Int32 index and y (or src) are contiguous [outer, count, inner]. The plain forms
/// synchronise the accelerator to check the indices and throw <see cref="IndexOutOfRangeException"/> naming an
/// offending index, the axis length and the index's position; the forms taking an <see cref="IndexFaultCell"/> queue
/// the work without waiting and leave the check to the cell's owner.
/// </summary>
public static class GpuIndexing
{
    /// <summary>y[o, j, i] = x[o, index[o, j, i], i]. T: float, double, int or byte.</summary>
    /// <typeparam name="T">float, double, int or byte.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="x">Input, [outer, axisLength, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the indexed one.</param>
    /// <param name="axisLength">Length of the indexed axis of x.</param>
    /// <param name="inner">Product of the axes after the indexed one.</param>
    /// <param name="index">Indices into the axis, [outer, count, inner] contiguous.</param>
    /// <param name="count">Length of the indexed axis of the index and y.</param>
    /// <param name="y">Output, [outer, count, inner] contiguous.</param>
    /// <exception cref="IndexOutOfRangeException">An index is outside [0, axisLength).</exception>
    public static void Gather<T>(Accelerator accelerator, ArrayView<T> x, long outer, long axisLength, long inner, ArrayView<int> index,
        long count, ArrayView<T> y) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        using var faults = new IndexFaultCell(accelerator, checkedLater: false);
        Gather(accelerator, x, outer, axisLength, inner, index, count, y, faults);
        faults.ThrowIfFaulted();
    }

    /// <summary>
    /// The gather of <see cref="Gather{T}(Accelerator, ArrayView{T}, long, long, long, ArrayView{int}, long, ArrayView{T})"/>
    /// queued without waiting: an out-of-range index is reported through <paramref name="faults"/> when its owner next
    /// checks it.
    /// </summary>
    /// <typeparam name="T">float, double, int or byte.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="x">Input, [outer, axisLength, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the indexed one.</param>
    /// <param name="axisLength">Length of the indexed axis of x.</param>
    /// <param name="inner">Product of the axes after the indexed one.</param>
    /// <param name="index">Indices into the axis, [outer, count, inner] contiguous.</param>
    /// <param name="count">Length of the indexed axis of the index and y.</param>
    /// <param name="y">Output, [outer, count, inner] contiguous.</param>
    /// <param name="faults">Where an out-of-range index is reported.</param>
    public static void Gather<T>(Accelerator accelerator, ArrayView<T> x, long outer, long axisLength, long inner, ArrayView<int> index,
        long count, ArrayView<T> y, IndexFaultCell faults) where T : unmanaged
    {
        const string kernel = "GpuIndexing.Gather";
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(faults);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int) && typeof(T) != typeof(byte))
            throw new NotSupportedException($"{kernel} supports float, double, int and byte, not {typeof(T).FullName}.");
        long total = Check(kernel, outer, axisLength, inner, count, x.Length, nameof(x), index.Length, y.Length, nameof(y));
        if (total == 0) return;
        long number = faults.Register(kernel, outer, count, inner, axisLength);
        GatherKernel<T>.Loaded.On(accelerator)(GridStride.Threads(total), x, index, y, faults.Cell, total, count, axisLength, inner, number);
    }

    /// <summary>y[o, index[o, j, i], i] += src[o, j, i]; repeated indices accumulate (atomically, in no fixed order; a NaN in y or src makes NaN, as on the CPU).</summary>
    /// <typeparam name="T">float, double or int.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="y">Accumulated into, [outer, axisLength, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the indexed one.</param>
    /// <param name="axisLength">Length of the indexed axis of y.</param>
    /// <param name="inner">Product of the axes after the indexed one.</param>
    /// <param name="index">Indices into the axis, [outer, count, inner] contiguous.</param>
    /// <param name="count">Length of the indexed axis of the index and src.</param>
    /// <param name="src">The values added, [outer, count, inner] contiguous.</param>
    /// <exception cref="IndexOutOfRangeException">An index is outside [0, axisLength) (the in-range ones are added).</exception>
    public static void ScatterAdd<T>(Accelerator accelerator, ArrayView<T> y, long outer, long axisLength, long inner, ArrayView<int> index,
        long count, ArrayView<T> src) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        using var faults = new IndexFaultCell(accelerator, checkedLater: false);
        ScatterAdd(accelerator, y, outer, axisLength, inner, index, count, src, faults);
        faults.ThrowIfFaulted();
    }

    /// <summary>
    /// The scatter-add of <see cref="ScatterAdd{T}(Accelerator, ArrayView{T}, long, long, long, ArrayView{int}, long, ArrayView{T})"/>
    /// queued without waiting: an out-of-range index (skipped; the others are added) is reported through
    /// <paramref name="faults"/> when its owner next checks it.
    /// </summary>
    /// <typeparam name="T">float, double or int.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="y">Accumulated into, [outer, axisLength, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the indexed one.</param>
    /// <param name="axisLength">Length of the indexed axis of y.</param>
    /// <param name="inner">Product of the axes after the indexed one.</param>
    /// <param name="index">Indices into the axis, [outer, count, inner] contiguous.</param>
    /// <param name="count">Length of the indexed axis of the index and src.</param>
    /// <param name="src">The values added, [outer, count, inner] contiguous.</param>
    /// <param name="faults">Where an out-of-range index is reported.</param>
    public static void ScatterAdd<T>(Accelerator accelerator, ArrayView<T> y, long outer, long axisLength, long inner, ArrayView<int> index,
        long count, ArrayView<T> src, IndexFaultCell faults) where T : unmanaged
    {
        const string kernel = "GpuIndexing.ScatterAdd";
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(faults);
        long total = Check(kernel, outer, axisLength, inner, count, y.Length, nameof(y), index.Length, src.Length, nameof(src));
        // CUDA adds floats natively; elsewhere a bitwise compare-and-swap loop, which also ends when y holds NaN.
        bool native = accelerator.AcceleratorType == AcceleratorType.Cuda;
        var launch = (Action<Index1D, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<long>, long, long, long, long, long>)(
            typeof(T) == typeof(float) ? native ? ScatterAddKernel<float, FloatAtomicAdd>.Loaded.On(accelerator) : ScatterAddKernel<float, FloatBitwiseAtomicAdd>.Loaded.On(accelerator)
            : typeof(T) == typeof(double) ? native ? ScatterAddKernel<double, DoubleAtomicAdd>.Loaded.On(accelerator) : ScatterAddKernel<double, DoubleBitwiseAtomicAdd>.Loaded.On(accelerator)
            : typeof(T) == typeof(int) ? (object)ScatterAddKernel<int, IntAtomicAdd>.Loaded.On(accelerator)
            : throw new NotSupportedException($"{kernel} supports float, double and int, not {typeof(T).FullName}."));
        if (total == 0) return;
        long number = faults.Register(kernel, outer, count, inner, axisLength);
        launch(GridStride.Threads(total), y, index, src, faults.Cell, total, count, axisLength, inner, number);
    }

    /// <summary>Checks the sizes and view lengths; returns outer·count·inner.</summary>
    private static long Check(string kernel, long outer, long axisLength, long inner, long count, long dataLength, string dataName,
        long indexLength, long pairedLength, string pairedName)
    {
        if (outer < 0 || axisLength < 0 || inner < 0 || count < 0 || axisLength > int.MaxValue)
            throw new ArgumentException($"{kernel}: outer = {outer}, axisLength = {axisLength}, inner = {inner}, count = {count} must be non-negative (axisLength at most 2^31 − 1).");
        long total = outer * count * inner;
        if (outer * axisLength * inner > dataLength)
            throw new ArgumentException($"{kernel}: {dataName} has {dataLength} elements, [{outer}, {axisLength}, {inner}] needs {outer * axisLength * inner}.", dataName);
        if (total > indexLength)
            throw new ArgumentException($"{kernel}: index has {indexLength} elements, [{outer}, {count}, {inner}] needs {total}.", "index");
        if (total > pairedLength)
            throw new ArgumentException($"{kernel}: {pairedName} has {pairedLength} elements, [{outer}, {count}, {inner}] needs {total}.", pairedName);
        return total;
    }
}
