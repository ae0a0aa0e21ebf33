using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Softmax (or log-softmax) along the middle axis of x viewed as [outer, length, inner] on a GPU, as the CPU
/// <see cref="Softmax"/>: stable, the line's maximum subtracted before exponentiating. float and double.
/// </summary>
public static class GpuSoftmax
{
    /// <summary>Enqueues y = softmax(x) (or log-softmax) on the accelerator's default stream; y may be x.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="x">Input, [outer, length, inner] contiguous.</param>
    /// <param name="outer">Product of the axes before the softmax axis.</param>
    /// <param name="length">Length of the softmax axis.</param>
    /// <param name="inner">Product of the axes after the softmax axis.</param>
    /// <param name="y">Output, same layout as x.</param>
    /// <param name="log">Log-softmax x − max − log Σ e^(x − max) instead of softmax.</param>
    public static void Apply<T>(Accelerator accelerator, ArrayView<T> x, long outer, long length, long inner, ArrayView<T> y, bool log)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        string kernel = log ? "GpuSoftmax (log)" : nameof(GpuSoftmax);
        ColumnBlocks.Check(kernel, outer, length, inner, x.Length, y.Length, length);
        int columns = ColumnBlocks.Columns(inner);
        long blocks = ColumnBlocks.Blocks(outer, inner, columns);
        if (blocks == 0 || length == 0) return;
        var launch = ElementType.Pick<T, Action<KernelConfig, ArrayView<T>, ArrayView<T>, long, long, long, int, int>>(
            accelerator, nameof(GpuSoftmax), SoftmaxKernel<float, GpuFloatMath>.Loaded.On, SoftmaxKernel<double, GpuDoubleMath>.Loaded.On);
        launch(ColumnBlocks.Launch(blocks, length, columns), x, y, outer, length, inner, columns, log ? 1 : 0);
    }
}

/// <summary>The softmax kernel for one element type: a max fold, a Σ e^(x − max) fold, then the writes.</summary>
internal static class SoftmaxKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, ArrayView<T>, ArrayView<T>, long, long, long, int, int>> Loaded =
        new(acc => acc.LoadStreamKernel<ArrayView<T>, ArrayView<T>, long, long, long, int, int>(Kernel));

    private static void Kernel(ArrayView<T> x, ArrayView<T> y, long outer, long length, long inner, int columns, int log)
    {
        TMath m = default;
        var partial = SharedMemory.Allocate<T>(ColumnBlocks.GroupSize);
        int thread = Group.IdxX, cx = thread % columns, row = thread / columns, rows = Group.DimX / columns;
        long blocksPerOuter = (inner + columns - 1) / columns;
        for (long block = Grid.IdxX; block < outer * blocksPerOuter; block += Grid.DimX)
        {
            long o = block / blocksPerOuter, i = (block - o * blocksPerOuter) * columns + cx;
            long start = o * length * inner + i;
            bool inside = i < inner;

            T max = ReduceKernel<T, TMath>.Identity((int)ReduceOp.Max);
            if (inside)
                for (long k = row; k < length; k += rows)
                    max = ReduceKernel<T, TMath>.Combine((int)ReduceOp.Max, max, x[start + k * inner]);
            max = ReduceKernel<T, TMath>.Fold(partial, max, thread, row, rows, columns, (int)ReduceOp.Max);
            Group.Barrier();

            T sum = m.Constant(0);
            if (inside)
                for (long k = row; k < length; k += rows)
                    sum = m.Add(sum, m.Exp(m.Sub(x[start + k * inner], max)));
            sum = ReduceKernel<T, TMath>.Fold(partial, sum, thread, row, rows, columns, (int)ReduceOp.Sum);
            Group.Barrier();

            if (inside)
            {
                T logSum = m.Log(sum), scale = m.Div(m.Constant(1), sum);
                for (long k = row; k < length; k += rows)
                {
                    T shifted = m.Sub(x[start + k * inner], max);
                    y[start + k * inner] = log != 0 ? m.Sub(shifted, logSum) : m.Mul(m.Exp(shifted), scale);
                }
            }
        }
    }
}
