using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Max pooling for windows two columns wide with step 2 and no column padding, written once over
/// <see cref="ISimd{TV,T}"/>: for each output row, a vector pass takes the maximum down the window's rows
/// along the contiguous W axis (remembering each column's winning row), then a second vector pass splits the
/// columns into even and odd ones and each output picks the larger of its two.
/// </summary>
/// <remarks>
/// Same result as <see cref="MaxPool2dScalar{T}"/>, bit for bit: the first maximum in row-major window order
/// is the maximum with the smallest flat index, so a column keeps its first winning row (later rows replace
/// it only when strictly larger, or the first NaN) and a tie between the two columns goes to the smaller index.
/// Flat indices travel as element values (a column's winning row as h·W), which is exact while a plane has at
/// most 2^24 elements, float's limit (<see cref="MaxPool2d"/> sends larger planes to the scalar path).
/// </remarks>
internal static unsafe class MaxPool2dVector<T, TV, TSimd, TPairs>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
    where TPairs : struct, IPairLanes<TV>
{
    /// <summary>The largest plane whose flat indices every element type holds exactly (2^24 for float).</summary>
    public const int MaxExactPlane = 1 << 24;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(T* x, long planes, PoolGeometry g, T* y, int* argmax)
    {
        if (g.KernelH == 2 && g.StrideH == 2 && g.PadH == 0 && g.OutWidth < TSimd.Count)
        {
            NarrowTwoByTwo(x, planes, g, y, argmax);
            return;
        }
        if (g.KernelH == 2 && g.StrideH == 2 && g.PadH == 0)
        {
            var rowIndices = new T[g.OutWidth];
            fixed (T* rowIndex = rowIndices) ForwardTwoByTwo(x, planes, g, y, argmax, rowIndex);
            return;
        }
        int columns = 2 * g.OutWidth;
        var best = new T[columns];
        var tags = new T[columns];
        var index = new T[g.OutWidth];
        var evenColumns = new T[TSimd.Count];
        for (int k = 0; k < evenColumns.Length; k++) evenColumns[k] = T.CreateTruncating(2 * k);
        fixed (T* pBest = best, pTags = tags, pIndex = index, pEven = evenColumns)
        {
            for (long p = 0; p < planes; p++)
            {
                T* xp = x + p * g.InPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    var (h0, h1) = g.Rows(oh);
                    DownRows(xp, g.Width, h0, h1, columns, pBest, pTags);
                    long o = p * g.OutPlane + (long)oh * g.OutWidth;
                    AcrossPairs(pBest, pTags, TSimd.Load(pEven), g.OutWidth, y + o, argmax + o, pIndex);
                }
            }
        }
    }

    /// <summary>
    /// The common 2×2 window with step 2 and no padding, without the row scratch of the general path: each output
    /// vector loads its two input rows, splits even and odd columns, and takes the window's four cells in row-major
    /// order (a later cell wins only when strictly larger, or the first NaN), so ties and NaN go as in the scalar path.
    /// The ragged end of a row is one more vector overlapping the last, which only rewrites the same values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTwoByTwo(T* x, long planes, PoolGeometry g, T* y, int* argmax, T* index)
    {
        int outWidth = g.OutWidth, width = g.Width, count = TSimd.Count;
        T* evens = stackalloc T[count];
        for (int k = 0; k < count; k++) evens[k] = T.CreateTruncating(2 * k);
        TV evenColumns = TSimd.Load(evens), one = TSimd.Splat(T.One), down = TSimd.Splat(T.CreateTruncating(width));
        for (long p = 0; p < planes; p++)
        {
            T* plane = x + p * g.InPlane;
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                T* top = plane + (long)(2 * oh) * width;
                T* bottom = top + width;
                long o = p * g.OutPlane + (long)oh * outWidth;
                TV rowStart = TSimd.Splat(T.CreateTruncating(2 * oh * width));
                for (int ow = 0; ; ow += count)
                {
                    if (ow > outWidth - count) ow = outWidth - count; // the overlapping last vector
                    int c = 2 * ow;
                    TV t0 = TSimd.Load(top + c), t1 = TSimd.Load(top + c + count);
                    TV b0 = TSimd.Load(bottom + c), b1 = TSimd.Load(bottom + c + count);
                    TV best = TPairs.Evens(t0, t1);
                    TV at = TSimd.Add(TSimd.Add(rowStart, TSimd.Splat(T.CreateTruncating(c))), evenColumns);
                    TV atBottom = TSimd.Add(at, down);
                    TakeIfBeats(ref best, ref at, TPairs.Odds(t0, t1), TSimd.Add(at, one));
                    TakeIfBeats(ref best, ref at, TPairs.Evens(b0, b1), atBottom);
                    TakeIfBeats(ref best, ref at, TPairs.Odds(b0, b1), TSimd.Add(atBottom, one));
                    TSimd.Store(y + o + ow, best);
                    TSimd.Store(index + ow, at);
                    if (ow == outWidth - count) break;
                }
                StoreIndices(index, argmax + o, outWidth);
            }
        }
    }

    /// <summary>argmax[k] = index[k] as an int for k &lt; count (indices are exact integers in T), a vector at a time where AVX runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreIndices(T* index, int* argmax, int count)
    {
        int k = 0;
        if (Avx.IsSupported && typeof(T) == typeof(float))
            for (; k + 8 <= count; k += 8) Avx.ConvertToVector256Int32WithTruncation(Vector256.Load((float*)index + k)).Store(argmax + k);
        else if (Avx.IsSupported && typeof(T) == typeof(double))
            for (; k + 4 <= count; k += 4) Avx.ConvertToVector128Int32WithTruncation(Vector256.Load((double*)index + k)).Store(argmax + k);
        for (; k < count; k++) argmax[k] = int.CreateTruncating(index[k]);
    }

    /// <summary>
    /// The 2×2 window with step 2 on rows narrower than one vector of outputs (a late CNN layer's 11×11 maps): the
    /// four cells compared in row-major order, straight from the input, with none of the general path's row scratch.
    /// Rows at least one 128-bit vector of outputs wide take <see cref="NarrowRowSse"/>.
    /// </summary>
    private static void NarrowTwoByTwo(T* x, long planes, PoolGeometry g, T* y, int* argmax)
    {
        int width = g.Width;
        bool sse = Sse2.IsSupported && g.OutWidth >= Vector128<T>.Count;
        for (long p = 0; p < planes; p++)
        {
            T* plane = x + p * g.InPlane;
            long o = p * g.OutPlane;
            for (int oh = 0; oh < g.OutHeight; oh++, o += g.OutWidth)
            {
                if (sse)
                {
                    NarrowRowSse(plane, width, oh, g.OutWidth, y + o, argmax + o);
                    continue;
                }
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    int at = 2 * oh * width + 2 * ow;
                    T best = plane[at];
                    int winner = at;
                    TakeIfBeats(plane, at + 1, ref best, ref winner);
                    TakeIfBeats(plane, at + width, ref best, ref winner);
                    TakeIfBeats(plane, at + width + 1, ref best, ref winner);
                    y[o + ow] = best;
                    argmax[o + ow] = winner;
                }
            }
        }
    }

    /// <summary>
    /// One output row of <see cref="NarrowTwoByTwo"/> with 128-bit vectors, the ragged end as one more vector
    /// overlapping the last. The four cells go in row-major order as in <see cref="ForwardTwoByTwo"/>, so values
    /// and indices are those of the scalar loop; the scattered compares of that loop mispredicted on real data.
    /// Reads stop at column 2·outWidth − 1 of the two rows, inside the plane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowRowSse(T* plane, int width, int oh, int outWidth, T* y, int* argmax)
    {
        int count = Vector128<T>.Count;
        T* top = plane + (long)(2 * oh) * width;
        T* bottom = top + width;
        Vector128<T> evenColumns = typeof(T) == typeof(float)
            ? Vector128.Create(0f, 2f, 4f, 6f).As<float, T>()
            : Vector128.Create(0d, 2d).As<double, T>();
        Vector128<T> one = Vector128.Create(T.One), down = Vector128.Create(T.CreateTruncating(width));
        Vector128<T> rowStart = Vector128.Create(T.CreateTruncating(2 * oh * width));
        for (int ow = 0; ; ow += count)
        {
            if (ow > outWidth - count) ow = outWidth - count;
            int c = 2 * ow;
            Vector128<T> t0 = Vector128.Load(top + c), t1 = Vector128.Load(top + c + count);
            Vector128<T> b0 = Vector128.Load(bottom + c), b1 = Vector128.Load(bottom + c + count);
            Vector128<T> best = Evens128(t0, t1);
            Vector128<T> at = rowStart + Vector128.Create(T.CreateTruncating(c)) + evenColumns;
            Vector128<T> atBottom = at + down;
            TakeIfBeats128(ref best, ref at, Odds128(t0, t1), at + one);
            TakeIfBeats128(ref best, ref at, Evens128(b0, b1), atBottom);
            TakeIfBeats128(ref best, ref at, Odds128(b0, b1), atBottom + one);
            best.Store(y + ow);
            if (typeof(T) == typeof(float))
                Sse2.ConvertToVector128Int32WithTruncation(at.AsSingle()).Store(argmax + ow);
            else
                for (int k = 0; k < count; k++) argmax[ow + k] = int.CreateTruncating(at.GetElement(k));
            if (ow == outWidth - count) break;
        }
    }

    /// <summary>Elements 0, 2, … of a ‖ b (SSE shuffles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Evens128(Vector128<T> a, Vector128<T> b) => typeof(T) == typeof(float)
        ? Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).As<float, T>()
        : Sse2.UnpackLow(a.AsDouble(), b.AsDouble()).As<double, T>();

    /// <summary>Elements 1, 3, … of a ‖ b (SSE shuffles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Odds128(Vector128<T> a, Vector128<T> b) => typeof(T) == typeof(float)
        ? Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).As<float, T>()
        : Sse2.UnpackHigh(a.AsDouble(), b.AsDouble()).As<double, T>();

    /// <summary>best, at = candidate, its index where the candidate is strictly larger, or a NaN over a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TakeIfBeats128(ref Vector128<T> best, ref Vector128<T> at, Vector128<T> candidate, Vector128<T> candidateAt)
    {
        var candidateIsNaN = ~Vector128.Equals(candidate, candidate);
        var take = Vector128.GreaterThan(candidate, best) | (candidateIsNaN & Vector128.Equals(best, best));
        best = Vector128.ConditionalSelect(take, candidate, best);
        at = Vector128.ConditionalSelect(take, candidateAt, at);
    }

    /// <summary>best, winner = plane[cell], cell where that is strictly larger, or a NaN over a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TakeIfBeats(T* plane, int cell, ref T best, ref int winner)
    {
        T v = plane[cell];
        if (v > best || (T.IsNaN(v) && !T.IsNaN(best)))
        {
            best = v;
            winner = cell;
        }
    }

    /// <summary>best, at = candidate, its index where the candidate is strictly larger, or a NaN over a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TakeIfBeats(ref TV best, ref TV at, TV candidate, TV candidateAt)
    {
        TV take = TSimd.Or(TSimd.GreaterThan(candidate, best), TSimd.And(TSimd.IsNaN(candidate), TSimd.Equal(best, best)));
        best = TSimd.Select(take, candidate, best);
        at = TSimd.Select(take, candidateAt, at);
    }

    /// <summary>best[c], tag[c] = the maximum of column c over rows [h0, h1) and h·W of the first row h holding it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DownRows(T* plane, int width, int h0, int h1, int columns, T* best, T* tags)
    {
        Buffer.MemoryCopy(plane + (long)h0 * width, best, columns * sizeof(T), columns * sizeof(T));
        new Span<T>(tags, columns).Fill(T.CreateTruncating(h0 * width));
        for (int h = h0 + 1; h < h1; h++)
        {
            T* row = plane + (long)h * width;
            T rowStart = T.CreateTruncating(h * width);
            TV tag = TSimd.Splat(rowStart);
            int c = 0;
            for (; c <= columns - TSimd.Count; c += TSimd.Count) Step(row, best, tags, tag, c);
            if (c < columns && columns >= TSimd.Count)
            {
                // The ragged end as one more vector overlapping the last: the step is idempotent (a column already
                // holding this row's value does not take it again), so the overlap changes nothing.
                Step(row, best, tags, tag, columns - TSimd.Count);
                continue;
            }
            for (; c < columns; c++)
                if (MaxPool2dScalar<T>.Beats(row[c], best[c]))
                {
                    best[c] = row[c];
                    tags[c] = rowStart;
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(T* row, T* best, T* tags, TV tag, int c)
    {
        TV v = TSimd.Load(row + c), b = TSimd.Load(best + c);
        // Strictly larger, or a NaN where the best so far is a number (Equal(b, b) is false only for NaN).
        TV take = TSimd.Or(TSimd.GreaterThan(v, b), TSimd.And(TSimd.IsNaN(v), TSimd.Equal(b, b)));
        TSimd.Store(best + c, TSimd.Select(take, v, b));
        TSimd.Store(tags + c, TSimd.Select(take, tag, TSimd.Load(tags + c)));
    }

    /// <summary>Outputs [ow, ow + Count): each the larger of columns 2·ow and 2·ow + 1, a tie to the smaller flat index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pairs(T* best, T* tags, TV evenColumns, T* y, T* index, int ow)
    {
        int c = 2 * ow;
        TV v0 = TSimd.Load(best + c), v1 = TSimd.Load(best + c + TSimd.Count);
        TV t0 = TSimd.Load(tags + c), t1 = TSimd.Load(tags + c + TSimd.Count);
        TV a = TPairs.Evens(v0, v1), b = TPairs.Odds(v0, v1);
        TV column = TSimd.Add(TSimd.Splat(T.CreateTruncating(c)), evenColumns);
        TV ia = TSimd.Add(TPairs.Evens(t0, t1), column);
        TV ib = TSimd.Add(TSimd.Add(TPairs.Odds(t0, t1), column), TSimd.Splat(T.One));
        TV beats = TSimd.Or(TSimd.GreaterThan(b, a), TSimd.And(TSimd.IsNaN(b), TSimd.Equal(a, a)));
        TV same = TSimd.Or(TSimd.Equal(a, b), TSimd.And(TSimd.IsNaN(a), TSimd.IsNaN(b)));
        TV takeB = TSimd.Or(beats, TSimd.And(same, TSimd.LessThan(ib, ia)));
        TSimd.Store(y + ow, TSimd.Select(takeB, b, a));
        TSimd.Store(index + ow, TSimd.Select(takeB, ib, ia));
    }

    /// <summary>Each output takes the larger of columns 2·ow and 2·ow + 1; a tie goes to the smaller flat index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AcrossPairs(T* best, T* tags, TV evenColumns, int outWidth, T* y, int* argmax, T* index)
    {
        int ow = 0;
        for (; ow <= outWidth - TSimd.Count; ow += TSimd.Count) Pairs(best, tags, evenColumns, y, index, ow);
        if (ow < outWidth && outWidth >= TSimd.Count)
        {
            // The ragged end as one more vector overlapping the last (it only reads best and tags, so it is exact).
            Pairs(best, tags, evenColumns, y, index, outWidth - TSimd.Count);
            ow = outWidth;
        }
        for (int k = 0; k < ow; k++) argmax[k] = int.CreateTruncating(index[k]);
        for (; ow < outWidth; ow++)
        {
            int c0 = 2 * ow, c1 = c0 + 1;
            T a = best[c0], b = best[c1];
            int ia = int.CreateTruncating(tags[c0]) + c0, ib = int.CreateTruncating(tags[c1]) + c1;
            bool same = a == b || (T.IsNaN(a) && T.IsNaN(b));
            bool takeB = MaxPool2dScalar<T>.Beats(b, a) || (same && ib < ia);
            y[ow] = takeB ? b : a;
            argmax[ow] = takeB ? ib : ia;
        }
    }
}
