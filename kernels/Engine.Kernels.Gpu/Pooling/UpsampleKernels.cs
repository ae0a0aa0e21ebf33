using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Where bilinear output cell o of an axis of <see cref="Length"/> cells stretched to <see cref="OutLength"/> reads:
/// the source (o + ½)·in/out − ½, clamped below at 0, written as the fraction ((2o + 1)·in − out) / (2·out) so the
/// cells it falls between come from exact integer arithmetic (no double precision needed on the device).
/// </summary>
internal readonly struct BilinearAxis(int length, int outLength)
{
    /// <summary>Input cells along the axis.</summary>
    public readonly int Length = length;
    /// <summary>Output cells along the axis.</summary>
    public readonly int OutLength = outLength;

    /// <summary>The lower cell I0 of output cell <paramref name="o"/>; <paramref name="remainder"/> / (2·out) is its weight W1.</summary>
    public int Lower(int o, out long remainder)
    {
        long numerator = (2L * o + 1) * Length - OutLength, denominator = 2L * OutLength;
        if (numerator <= 0)
        {
            remainder = 0;
            return 0;
        }
        long lower = numerator / denominator;
        if (lower >= Length - 1)
        {
            // Past the last cell both taps read it; the weights are kept as the CPU keeps them.
            remainder = numerator - (long)(Length - 1) * denominator;
            return Length - 1;
        }
        remainder = numerator - lower * denominator;
        return (int)lower;
    }

    /// <summary>The upper cell I1: the next one, clamped to the last.</summary>
    public int Upper(int lower) => lower < Length - 1 ? lower + 1 : lower;

    /// <summary>The denominator of the weights.</summary>
    public long Denominator => 2L * OutLength;

    /// <summary>A lower bound of the output cells whose taps reach input cell <paramref name="i"/> (from I0 ≥ i − 1).</summary>
    public int FirstReaching(int i)
    {
        long first = (2L * i - 1) * OutLength / (2L * Length) - 1;
        return first < 0 ? 0 : (int)first;
    }

    /// <summary>An upper bound of the output cells whose taps reach input cell <paramref name="i"/> (from I0 ≤ i).</summary>
    public int LastReaching(int i)
    {
        long last = (2L * i + 3) * OutLength / (2L * Length) + 1;
        return last > OutLength - 1 ? OutLength - 1 : (int)last;
    }
}

/// <summary>
/// The upsampling kernels for one element type: one thread per output cell forward, one per input cell backward
/// (a gather over the output cells that read it, so no atomics). Mode 0 is nearest, 1 bilinear.
/// </summary>
internal static class UpsampleKernels<T, TMath, TCount> where T : unmanaged where TMath : struct, IGpuScalarMath<T> where TCount : struct, IGpuCountConversion<T>
{
    /// <summary>The forward kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>> Forward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>(ForwardKernel));

    /// <summary>The backward kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>> Backward =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>(BackwardKernel));

    private static void ForwardKernel(Index1D thread, int bilinear, BilinearAxis rows, BilinearAxis columns, ArrayView<T> x, ArrayView<T> y, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), outPlane = (long)rows.OutLength * columns.OutLength, inPlane = (long)rows.Length * columns.Length;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / outPlane;
            int o = (int)(index - p * outPlane), oh = o / columns.OutLength, ow = o - oh * columns.OutLength;
            long plane = p * inPlane;
            if (bilinear == 0)
            {
                int h = oh / (rows.OutLength / rows.Length), w = ow / (columns.OutLength / columns.Length);
                y[index] = x[plane + (long)h * columns.Length + w];
                continue;
            }
            int r0 = rows.Lower(oh, out long rowRemainder), c0 = columns.Lower(ow, out long columnRemainder);
            int r1 = rows.Upper(r0), c1 = columns.Upper(c0);
            T rw1 = Weight(m, rowRemainder, rows.Denominator), rw0 = m.Sub(m.Constant(1), rw1);
            T cw1 = Weight(m, columnRemainder, columns.Denominator), cw0 = m.Sub(m.Constant(1), cw1);
            long top = plane + (long)r0 * columns.Length, bottom = plane + (long)r1 * columns.Length;
            y[index] = m.Add(
                m.Mul(rw0, m.Add(m.Mul(cw0, x[top + c0]), m.Mul(cw1, x[top + c1]))),
                m.Mul(rw1, m.Add(m.Mul(cw0, x[bottom + c0]), m.Mul(cw1, x[bottom + c1]))));
        }
    }

    private static void BackwardKernel(Index1D thread, int bilinear, BilinearAxis rows, BilinearAxis columns, ArrayView<T> dy, ArrayView<T> dx, long n)
    {
        TMath m = default;
        long threads = GridStride.Threads(n), outPlane = (long)rows.OutLength * columns.OutLength, inPlane = (long)rows.Length * columns.Length;
        for (long index = thread; index < n; index += threads)
        {
            long p = index / inPlane;
            int cell = (int)(index - p * inPlane), h = cell / columns.Length, w = cell - h * columns.Length;
            long plane = p * outPlane;
            dx[index] = bilinear == 0 ? NearestSum(m, rows, columns, dy, plane, h, w) : BilinearSum(m, rows, columns, dy, plane, h, w);
        }
    }

    /// <summary>The sum of the cell's sH × sW block, row by row as the CPU adds it.</summary>
    private static T NearestSum(TMath m, BilinearAxis rows, BilinearAxis columns, ArrayView<T> dy, long plane, int h, int w)
    {
        int scaleH = rows.OutLength / rows.Length, scaleW = columns.OutLength / columns.Length;
        T total = m.Constant(0);
        for (int a = 0; a < scaleH; a++)
        {
            long start = plane + ((long)h * scaleH + a) * columns.OutLength + (long)w * scaleW;
            T sum = dy[start];
            for (int b = 1; b < scaleW; b++) sum = m.Add(sum, dy[start + b]);
            total = m.Add(total, sum);
        }
        return total;
    }

    /// <summary>The sum over the output cells whose taps read cell (h, w) of dy times the taps' weights.</summary>
    private static T BilinearSum(TMath m, BilinearAxis rows, BilinearAxis columns, ArrayView<T> dy, long plane, int h, int w)
    {
        T total = m.Constant(0);
        for (int oh = rows.FirstReaching(h); oh <= rows.LastReaching(h); oh++)
        {
            bool lowerRow = TouchesLower(rows, oh, h), upperRow = TouchesUpper(rows, oh, h);
            if (!lowerRow && !upperRow) continue;
            T rowWeight0 = TapWeight(m, rows, oh, 0), rowWeight1 = TapWeight(m, rows, oh, 1);
            for (int ow = columns.FirstReaching(w); ow <= columns.LastReaching(w); ow++)
            {
                if (!TouchesLower(columns, ow, w) && !TouchesUpper(columns, ow, w)) continue;
                T g = dy[plane + (long)oh * columns.OutLength + ow];
                T cw0 = TapWeight(m, columns, ow, 0), cw1 = TapWeight(m, columns, ow, 1);
                // As the CPU: each reading tap adds weight·(row weight·g), and a tap of weight 0 past an edge adds nothing.
                if (lowerRow) total = AddTaps(m, columns, ow, w, total, m.Mul(rowWeight0, g), cw0, cw1);
                if (upperRow) total = AddTaps(m, columns, ow, w, total, m.Mul(rowWeight1, g), cw0, cw1);
            }
        }
        return total;
    }

    private static T AddTaps(TMath m, BilinearAxis columns, int ow, int w, T total, T rowPart, T cw0, T cw1)
    {
        if (TouchesLower(columns, ow, w)) total = m.Add(total, m.Mul(cw0, rowPart));
        if (TouchesUpper(columns, ow, w)) total = m.Add(total, m.Mul(cw1, rowPart));
        return total;
    }

    /// <summary>Whether output cell o's lower tap reads input cell i.</summary>
    private static bool TouchesLower(BilinearAxis axis, int o, int i) => axis.Lower(o, out _) == i;

    /// <summary>Whether output cell o's upper tap reads input cell i with a non-zero weight (the CPU skips weight-0 taps).</summary>
    private static bool TouchesUpper(BilinearAxis axis, int o, int i)
    {
        int lower = axis.Lower(o, out long remainder);
        return remainder != 0 && axis.Upper(lower) == i;
    }

    /// <summary>The weight of output cell o's lower (tap 0) or upper (tap 1) tap.</summary>
    private static T TapWeight(TMath m, BilinearAxis axis, int o, int tap)
    {
        axis.Lower(o, out long remainder);
        T upper = Weight(m, remainder, axis.Denominator);
        return tap == 0 ? m.Sub(m.Constant(1), upper) : upper;
    }

    private static T Weight(TMath m, long remainder, long denominator) => m.Div(default(TCount).FromCount(remainder), default(TCount).FromCount(denominator));
}
