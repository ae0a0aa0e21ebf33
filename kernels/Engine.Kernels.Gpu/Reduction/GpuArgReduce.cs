using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y[o, i] = the first k where x[o, k, i] is largest (ArgMax) or smallest (ArgMin) on a GPU, as the CPU
/// <see cref="ArgReduce"/>: a NaN counts as the extreme, so the first NaN wins. int32 output. float and double.
/// </summary>
public static class GpuArgReduce
{
    /// <summary>Enqueues the arg-reduction on the accelerator's default stream (synchronize before reading y on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="op">ArgMax or ArgMin.</param>
    /// <param name="x">Input, [outer, length, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the reduced one.</param>
    /// <param name="length">Length of the reduced axis, 1 to 2^31 − 1.</param>
    /// <param name="inner">Product of the axes after the reduced one.</param>
    /// <param name="y">Output indices, [outer, inner] contiguous.</param>
    public static void Apply<T>(Accelerator accelerator, ArgReduceOp op, ArrayView<T> x, long outer, long length, long inner, ArrayView<int> y)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        string kernel = $"GpuArgReduce {op}";
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{kernel}: unknown arg-reduction.");
        ColumnBlocks.Check(kernel, outer, length, inner, x.Length, y.Length, 1);
        if (length is < 1 or > int.MaxValue && outer * inner > 0)
            throw new ArgumentException($"{kernel}: length = {length} (outer = {outer}, inner = {inner}) must be 1 to {int.MaxValue}: an empty axis has no extreme.", nameof(length));
        int columns = ColumnBlocks.Columns(inner);
        long blocks = ColumnBlocks.Blocks(outer, inner, columns);
        if (blocks == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, ArrayView<T>, ArrayView<int>, long, long, long, int, int>>(
            accelerator, nameof(GpuArgReduce), ArgReduceKernel<float, GpuFloatMath>.Loaded.On, ArgReduceKernel<double, GpuDoubleMath>.Loaded.On);
        launch(ColumnBlocks.Launch(blocks, length, columns), x, y, outer, length, inner, columns, (int)op);
    }
}

/// <summary>The arg-reduction kernel for one element type.</summary>
internal static class ArgReduceKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, ArrayView<T>, ArrayView<int>, long, long, long, int, int>> Loaded =
        new(acc => acc.LoadStreamKernel<ArrayView<T>, ArrayView<int>, long, long, long, int, int>(Kernel));

    // A thread with no element of its column holds index −1, which loses to everything.
    private const int None = -1;

    private static void Kernel(ArrayView<T> x, ArrayView<int> y, long outer, long length, long inner, int columns, int op)
    {
        var values = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        var indices = SharedMemory.Allocate<int>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX, cx = thread % columns, row = thread / columns, rows = Group.DimX / columns;
        long blocksPerOuter = (inner + columns - 1) / columns;
        for (long block = Grid.IdxX; block < outer * blocksPerOuter; block += Grid.DimX)
        {
            long o = block / blocksPerOuter, i = (block - o * blocksPerOuter) * columns + cx;
            T best = default;
            int bestIndex = None;
            if (i < inner)
            {
                long start = o * length * inner + i;
                for (long k = row; k < length; k += rows)
                    TakeIfBetter(op, ref best, ref bestIndex, x[start + k * inner], (int)k);
            }
            values[thread] = best;
            indices[thread] = bestIndex;
            Group.Barrier();
            for (int half = rows / 2; half > 0; half /= 2)
            {
                if (row < half)
                {
                    T value = values[thread];
                    int index = indices[thread];
                    TakeIfBetter(op, ref value, ref index, values[thread + half * columns], indices[thread + half * columns]);
                    values[thread] = value;
                    indices[thread] = index;
                }
                Group.Barrier();
            }
            if (row == 0 && i < inner) y[o * inner + i] = indices[thread];
            Group.Barrier(); // the next block reuses the shared memory
        }
    }

    /// <summary>
    /// Replaces (best, bestIndex) by (value, index) when that is the earlier extreme: a NaN beats any number, a
    /// strictly better number wins, and equals (or two NaNs) go to the smaller index.
    /// </summary>
    private static void TakeIfBetter(int op, ref T best, ref int bestIndex, T value, int index)
    {
        if (index == None) return;
        bool take;
        if (bestIndex == None) take = true;
        else
        {
            TMath m = default;
            bool bestNaN = m.IsNaN(best), valueNaN = m.IsNaN(value);
            if (bestNaN || valueNaN) take = valueNaN && (!bestNaN || index < bestIndex);
            else
            {
                bool better = op == (int)ArgReduceOp.ArgMax ? m.Less(best, value) : m.Less(value, best);
                take = better || (m.Equal(value, best) && index < bestIndex);
            }
        }
        if (take)
        {
            best = value;
            bestIndex = index;
        }
    }
}
