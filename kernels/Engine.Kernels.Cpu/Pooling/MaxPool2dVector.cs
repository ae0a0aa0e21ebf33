using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Max pooling for windows two columns wide with step 2 and no column padding, written once over
/// <see cref="ISimd{TV,T}"/>: for each output row, a vector pass takes the maximum down the window's rows
/// along the contiguous W axis (remembering each column's winning row), then each output picks the larger
/// of its two columns.
/// </summary>
/// <remarks>
/// Same result as <see cref="MaxPool2dScalar{T}"/>, bit for bit: the first maximum in row-major window order
/// is the maximum with the smallest flat index, so a column keeps its first winning row (later rows replace
/// it only when strictly larger, or the first NaN) and a tie between the two columns goes to the smaller index.
/// </remarks>
internal static unsafe class MaxPool2dVector<T, TV, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(T* x, long planes, PoolGeometry g, T* y, int* argmax)
    {
        int columns = 2 * g.OutWidth;
        var best = new T[columns];
        var tags = new T[columns];
        fixed (T* pBest = best, pTags = tags)
        {
            for (long p = 0; p < planes; p++)
            {
                T* xp = x + p * g.InPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    var (h0, h1) = g.Rows(oh);
                    DownRows(xp, g.Width, h0, h1, columns, pBest, pTags);
                    long o = p * g.OutPlane + (long)oh * g.OutWidth;
                    AcrossPairs(pBest, pTags, g.Width, g.OutWidth, y + o, argmax + o);
                }
            }
        }
    }

    /// <summary>best[c], tag[c] = the maximum of column c over rows [h0, h1) and the first row holding it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DownRows(T* plane, int width, int h0, int h1, int columns, T* best, T* tags)
    {
        Buffer.MemoryCopy(plane + (long)h0 * width, best, columns * sizeof(T), columns * sizeof(T));
        new Span<T>(tags, columns).Fill(RowTag<T>.Of(h0));
        for (int h = h0 + 1; h < h1; h++)
        {
            T* row = plane + (long)h * width;
            TV tag = TSimd.Splat(RowTag<T>.Of(h));
            int c = 0;
            for (; c <= columns - TSimd.Count; c += TSimd.Count)
            {
                TV v = TSimd.Load(row + c), b = TSimd.Load(best + c);
                // Strictly larger, or a NaN where the best so far is a number (Equal(b, b) is false only for NaN).
                TV take = TSimd.Or(TSimd.GreaterThan(v, b), TSimd.And(TSimd.IsNaN(v), TSimd.Equal(b, b)));
                TSimd.Store(best + c, TSimd.Select(take, v, b));
                TSimd.Store(tags + c, TSimd.Select(take, tag, TSimd.Load(tags + c)));
            }
            for (; c < columns; c++)
                if (MaxPool2dScalar<T>.Beats(row[c], best[c]))
                {
                    best[c] = row[c];
                    tags[c] = RowTag<T>.Of(h);
                }
        }
    }

    /// <summary>Each output takes the larger of columns 2·ow and 2·ow + 1; a tie goes to the smaller flat index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AcrossPairs(T* best, T* tags, int width, int outWidth, T* y, int* argmax)
    {
        for (int ow = 0; ow < outWidth; ow++)
        {
            int c0 = 2 * ow, c1 = c0 + 1;
            T a = best[c0], b = best[c1];
            int ia = RowTag<T>.Row(tags[c0]) * width + c0, ib = RowTag<T>.Row(tags[c1]) * width + c1;
            bool same = a == b || (T.IsNaN(a) && T.IsNaN(b));
            bool takeB = MaxPool2dScalar<T>.Beats(b, a) || (same && ib < ia);
            y[ow] = takeB ? b : a;
            argmax[ow] = takeB ? ib : ia;
        }
    }
}
