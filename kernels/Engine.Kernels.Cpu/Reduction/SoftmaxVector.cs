using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector softmax, written once over the elementwise <see cref="ISimd{TV,T}"/>. Rows (inner == 1): a max pass, an
/// exp pass that writes y and sums, and a scale pass. inner &gt; 1: the same three passes over tiles of
/// columns, vectorised across inner, with per-column max and sum kept on the stack.
/// </summary>
/// <remarks>
/// The loops are marked AggressiveOptimization: unoptimised tier-0 code calls every vector helper out of
/// line and made a first large call 20–30× slower than later ones.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class SoftmaxVector<T, TV, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    // Exp results are summed in registers over this many elements, then added to a double total,
    // so long rows keep float sums accurate without a pairwise pass.
    private const int ExpBlockLength = 4096;

    // Columns per tile: the tile's max and sum live on the stack.
    private const int ColumnTile = 256;

    private static int Count => TSimd.Count;

    /// <summary>Softmax (or log-softmax) of each x[o, :, i] line into y; y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(T* x, nint outer, nint length, nint inner, T* y, bool log)
    {
        for (nint o = 0; o < outer; o++)
        {
            nint offset = o * length * inner;
            if (inner == 1)
            {
                Row(x + offset, length, y + offset, log);
                continue;
            }
            Columns(x + offset, length, inner, inner, y + offset, log);
        }
    }

    /// <summary>Softmax down each of <paramref name="width"/> columns of a [length, stride] slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns(T* x, nint length, nint stride, nint width, T* y, bool log)
    {
        for (nint column = 0; column < width; column += ColumnTile)
            ColumnTileSoftmax(x + column, length, stride, Math.Min(ColumnTile, width - column), y + column, log);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(T* x, nint count, T* y, bool log)
    {
        T max = ReduceVector<T, TV, TSimd>.Contiguous<MaxCombiner>(x, count);
        double sum = 0;
        for (nint start = 0; start < count; start += ExpBlockLength)
        {
            nint blockCount = Math.Min(ExpBlockLength, count - start);
            sum += double.CreateTruncating(ExpSum(x + start, blockCount, max, log ? null : y + start));
        }
        if (log) Shift(x, count, max, T.CreateTruncating(Math.Log(sum)), y);
        else Scale(y, count, T.CreateTruncating(1.0 / sum));
    }

    /// <summary>Σ exp(x − max) over a block; also stores each exp into y unless y is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ExpSum(T* x, nint count, T max, T* y)
    {
        TV vMax = TSimd.Splat(max);
        TV s0 = TSimd.Splat(T.Zero);
        int step = Count;
        nint i = 0;
        for (; i <= count - step; i += step)
        {
            TV e = Exp(TSimd.Sub(TSimd.Load(x + i), vMax));
            if (y != null) TSimd.Store(y + i, e);
            s0 = TSimd.Add(s0, e);
        }
        TV total = s0;
        return LaneCombine.Combine<SumCombiner, T, TV>(total) + ExpSumTail(x + i, count - i, vMax, y == null ? null : y + i);
    }

    /// <summary>The last count &lt; Count elements, run through the same vector exp via a padded copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ExpSumTail(T* x, nint count, TV vMax, T* y)
    {
        if (count == 0) return T.Zero;
        T* lanes = stackalloc T[Count];
        for (int k = 0; k < Count; k++) lanes[k] = k < count ? x[k] : T.Zero;
        TSimd.Store(lanes, Exp(TSimd.Sub(TSimd.Load(lanes), vMax)));
        T sum = T.Zero;
        for (int k = 0; k < count; k++)
        {
            if (y != null) y[k] = lanes[k];
            sum += lanes[k];
        }
        return sum;
    }

    /// <summary>y = y · factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(T* y, nint count, T factor)
    {
        TV vFactor = TSimd.Splat(factor);
        nint i = 0;
        for (; i <= count - Count; i += Count)
            TSimd.Store(y + i, TSimd.Mul(TSimd.Load(y + i), vFactor));
        for (; i < count; i++) y[i] *= factor;
    }

    /// <summary>y = (x − max) − logSum: log-softmax without forming exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Shift(T* x, nint count, T max, T logSum, T* y)
    {
        TV vMax = TSimd.Splat(max), vLogSum = TSimd.Splat(logSum);
        nint i = 0;
        for (; i <= count - Count; i += Count)
            TSimd.Store(y + i, TSimd.Sub(TSimd.Sub(TSimd.Load(x + i), vMax), vLogSum));
        for (; i < count; i++) y[i] = x[i] - max - logSum;
    }

    /// <summary>Softmax over the rows of a [length, width] tile with row stride <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnTileSoftmax(T* x, nint length, nint stride, nint width, T* y, bool log)
    {
        T* max = stackalloc T[(int)width];
        T* sum = stackalloc T[(int)width];
        ReduceVector<T, TV, TSimd>.Band<MaxCombiner>(x, length, stride, width, max);
        new Span<T>(sum, (int)width).Clear();
        for (nint r = 0; r < length; r++)
            AccumulateExpRow(x + r * stride, max, width, sum, log ? null : y + r * stride);

        // Reuse 'sum' for the per-column factor: log(sum) for log-softmax, 1/sum otherwise.
        for (nint k = 0; k < width; k++) sum[k] = log ? T.Log(sum[k]) : T.One / sum[k];
        for (nint r = 0; r < length; r++)
        {
            if (log) ShiftRow(x + r * stride, max, sum, width, y + r * stride);
            else ScaleRow(y + r * stride, sum, width);
        }
    }

    /// <summary>sum += exp(row − max) lane-wise across columns; stores each exp into y unless y is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateExpRow(T* row, T* max, nint width, T* sum, T* y)
    {
        nint k = 0;
        for (; k <= width - Count; k += Count)
        {
            TV e = Exp(TSimd.Sub(TSimd.Load(row + k), TSimd.Load(max + k)));
            if (y != null) TSimd.Store(y + k, e);
            TSimd.Store(sum + k, TSimd.Add(TSimd.Load(sum + k), e));
        }
        for (; k < width; k++)
        {
            T e = T.Exp(row[k] - max[k]);
            if (y != null) y[k] = e;
            sum[k] += e;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleRow(T* y, T* factor, nint width)
    {
        nint k = 0;
        for (; k <= width - Count; k += Count)
            TSimd.Store(y + k, TSimd.Mul(TSimd.Load(y + k), TSimd.Load(factor + k)));
        for (; k < width; k++) y[k] *= factor[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShiftRow(T* x, T* max, T* logSum, nint width, T* y)
    {
        nint k = 0;
        for (; k <= width - Count; k += Count)
            TSimd.Store(y + k, TSimd.Sub(TSimd.Sub(TSimd.Load(x + k), TSimd.Load(max + k)), TSimd.Load(logSum + k)));
        for (; k < width; k++) y[k] = x[k] - max[k] - logSum[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp(TV x) => VectorMath<T, TV, TSimd>.ExpOfNonPositive(x);
}
