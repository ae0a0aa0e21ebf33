using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y[o, i] = op over k of x[o, k, i] on a GPU (x contiguous [outer, length, inner]), with the semantics of the CPU
/// <see cref="Reduce"/>: Max/Min propagate NaN; an empty axis gives 0, −∞ or +∞. float and double.
/// </summary>
public static class GpuReduce
{
    /// <summary>Enqueues the reduction on the accelerator's default stream (synchronize before reading y on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="op">Sum, Max or Min.</param>
    /// <param name="x">Input, [outer, length, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the reduced one.</param>
    /// <param name="length">Length of the reduced axis.</param>
    /// <param name="inner">Product of the axes after the reduced one.</param>
    /// <param name="y">Output, [outer, inner] contiguous.</param>
    public static void Apply<T>(Accelerator accelerator, ReduceOp op, ArrayView<T> x, long outer, long length, long inner, ArrayView<T> y)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        string kernel = $"GpuReduce {op}";
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{kernel}: unknown reduction.");
        ColumnBlocks.Check(kernel, outer, length, inner, x.Length, y.Length, 1);
        int columns = ColumnBlocks.Columns(inner);
        long blocks = ColumnBlocks.Blocks(outer, inner, columns);
        if (blocks == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, ArrayView<T>, ArrayView<T>, long, long, long, int, int>>(
            accelerator, nameof(GpuReduce), ReduceKernel<float, GpuFloatMath>.Loaded.On, ReduceKernel<double, GpuDoubleMath>.Loaded.On);
        launch(ColumnBlocks.Launch(blocks, length, columns), x, y, outer, length, inner, columns, (int)op);
    }
}

/// <summary>The reduction kernel for one element type.</summary>
internal static class ReduceKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, ArrayView<T>, ArrayView<T>, long, long, long, int, int>> Loaded =
        new(acc => acc.LoadStreamKernel<ArrayView<T>, ArrayView<T>, long, long, long, int, int>(Kernel));

    private static void Kernel(ArrayView<T> x, ArrayView<T> y, long outer, long length, long inner, int columns, int op)
    {
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX, cx = thread % columns, row = thread / columns, rows = Group.DimX / columns;
        long blocksPerOuter = (inner + columns - 1) / columns;
        // The block index is the same for the whole group, so every thread meets every barrier.
        for (long block = Grid.IdxX; block < outer * blocksPerOuter; block += Grid.DimX)
        {
            long o = block / blocksPerOuter, i = (block - o * blocksPerOuter) * columns + cx;
            T accumulated = Identity(op);
            if (i < inner)
            {
                long start = o * length * inner + i;
                for (long k = row; k < length; k += rows)
                    accumulated = Combine(op, accumulated, x[start + k * inner]);
            }
            T result = Fold(partial, accumulated, thread, row, rows, columns, op);
            if (row == 0 && i < inner) y[o * inner + i] = result;
            Group.Barrier(); // the next block reuses the shared memory
        }
    }

    /// <summary>
    /// Folds the rows' partial results of each column by a shared-memory tree and returns the column's result to
    /// every thread of the column; the caller must barrier before writing <paramref name="partial"/> again.
    /// </summary>
    public static T Fold(ArrayView<T> partial, T value, int thread, int row, int rows, int columns, int op)
    {
        partial[thread] = value;
        Group.Barrier();
        for (int half = rows / 2; half > 0; half /= 2)
        {
            if (row < half) partial[thread] = Combine(op, partial[thread], partial[thread + half * columns]);
            Group.Barrier();
        }
        return partial[thread % columns];
    }

    /// <summary>The value an empty axis reduces to.</summary>
    public static T Identity(int op)
    {
        TMath m = default;
        if (op == (int)ReduceOp.Max) return m.Constant(double.NegativeInfinity);
        if (op == (int)ReduceOp.Min) return m.Constant(double.PositiveInfinity);
        return m.Constant(0);
    }

    /// <summary>One step, as the CPU combiners: a NaN element replaces the accumulator, and a NaN accumulator sticks.</summary>
    public static T Combine(int op, T accumulated, T element)
    {
        TMath m = default;
        if (op == (int)ReduceOp.Max) return m.IsNaN(element) || m.Less(accumulated, element) ? element : accumulated;
        if (op == (int)ReduceOp.Min) return m.IsNaN(element) || m.Less(element, accumulated) ? element : accumulated;
        return m.Add(accumulated, element);
    }
}
