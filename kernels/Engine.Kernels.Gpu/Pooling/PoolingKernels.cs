using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The max- and average-pooling kernels for one element type: one thread per output cell forward, and one thread
/// per input cell backward, gathering the output cells of the windows that cover it in ascending output order (the
/// order the CPU scatter adds them in), so no two threads write one cell and no atomics are needed.
/// </summary>
internal static class PoolingKernels<T, TMath, TCount> where T : unmanaged where TMath : struct, IGpuScalarMath<T> where TCount : struct, IGpuCountConversion<T>
{
    /// <summary>Max pooling forward, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, PoolWindows, ArrayView<T>, ArrayView<T>, ArrayView<int>, long>> MaxForward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, PoolWindows, ArrayView<T>, ArrayView<T>, ArrayView<int>, long>(MaxForwardKernel));

    /// <summary>Max pooling backward (gather), loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, PoolWindows, ArrayView<T>, ArrayView<int>, ArrayView<T>, long>> MaxBackward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, PoolWindows, ArrayView<T>, ArrayView<int>, ArrayView<T>, long>(MaxBackwardKernel));

    /// <summary>Average pooling forward, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>> AvgForward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>(AvgForwardKernel));

    /// <summary>Average pooling backward (gather), loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>> AvgBackward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>(AvgBackwardKernel));

    private static void MaxForwardKernel(Index1D thread, PoolWindows g, ArrayView<T> x, ArrayView<T> y, ArrayView<int> argmax, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), outPlane = g.OutPlane;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / outPlane;
            int o = (int)(index - p * outPlane), oh = o / g.OutWidth, ow = o - oh * g.OutWidth;
            int h0 = g.RowStart(oh), h1 = g.RowEnd(oh), w0 = g.ColumnStart(ow), w1 = g.ColumnEnd(ow);
            long plane = p * g.InPlane;
            int best = h0 * g.Width + w0;
            T max = x[plane + best];
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                {
                    T v = x[plane + h * g.Width + w];
                    // As the CPU: a strictly larger value, or the first NaN, replaces the maximum (ties keep the first).
                    if (m.Less(max, v) || (m.IsNaN(v) && !m.IsNaN(max)))
                    {
                        max = v;
                        best = h * g.Width + w;
                    }
                }
            y[index] = max;
            argmax[index] = best;
        }
    }

    private static void MaxBackwardKernel(Index1D thread, PoolWindows g, ArrayView<T> dy, ArrayView<int> argmax, ArrayView<T> dx, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), inPlane = g.InPlane;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / inPlane;
            int cell = (int)(index - p * inPlane), h = cell / g.Width, w = cell - h * g.Width;
            long outPlaneStart = p * g.OutPlane;
            T sum = m.Constant(0);
            for (int oh = g.FirstCoveringRow(h); oh <= g.LastCoveringRow(h); oh++)
                for (int ow = g.FirstCoveringColumn(w); ow <= g.LastCoveringColumn(w); ow++)
                {
                    long o = outPlaneStart + oh * g.OutWidth + ow;
                    if (argmax[o] == cell) sum = m.Add(sum, dy[o]);
                }
            dx[index] = sum;
        }
    }

    private static void AvgForwardKernel(Index1D thread, PoolWindows g, int countIncludePad, ArrayView<T> x, ArrayView<T> y, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), outPlane = g.OutPlane;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / outPlane;
            int o = (int)(index - p * outPlane), oh = o / g.OutWidth, ow = o - oh * g.OutWidth;
            int h0 = g.RowStart(oh), h1 = g.RowEnd(oh), w0 = g.ColumnStart(ow), w1 = g.ColumnEnd(ow);
            long plane = p * g.InPlane;
            T sum = m.Constant(0);
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                    sum = m.Add(sum, x[plane + h * g.Width + w]);
            y[index] = m.Div(sum, default(TCount).FromCount(g.Divisor(countIncludePad != 0, h0, h1, w0, w1)));
        }
    }

    private static void AvgBackwardKernel(Index1D thread, PoolWindows g, int countIncludePad, ArrayView<T> dy, ArrayView<T> dx, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), inPlane = g.InPlane;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / inPlane;
            int cell = (int)(index - p * inPlane), h = cell / g.Width, w = cell - h * g.Width;
            long outPlaneStart = p * g.OutPlane;
            T sum = m.Constant(0);
            for (int oh = g.FirstCoveringRow(h); oh <= g.LastCoveringRow(h); oh++)
                for (int ow = g.FirstCoveringColumn(w); ow <= g.LastCoveringColumn(w); ow++)
                {
                    int divisor = g.Divisor(countIncludePad != 0, g.RowStart(oh), g.RowEnd(oh), g.ColumnStart(ow), g.ColumnEnd(ow));
                    sum = m.Add(sum, m.Div(dy[outPlaneStart + oh * g.OutWidth + ow], default(TCount).FromCount(divisor)));
                }
            dx[index] = sum;
        }
    }
}
