using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector reduction, written once over the elementwise <see cref="ISimd{TV,T}"/> and specialised per width.
/// Rows (inner == 1) run along contiguous memory with eight accumulators; otherwise whole rows of
/// <c>inner</c> elements are combined lane-wise, so column reductions need no transpose.
/// </summary>
/// <remarks>
/// The loops are marked AggressiveOptimization: unoptimised tier-0 code calls every vector helper out of
/// line and made a first large call 20–30× slower than later ones.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class ReduceVector<T, TV, TSimd>
    where T : unmanaged, INumber<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private const int Accumulators = 8;

    // Each accumulator lane adds at most this many elements before the lanes are combined pairwise.
    private const int VectorsPerAccumulator = 16;

    // Rows combined naively in registers before a band is halved; 16 rows of a column tile stay in L1.
    private const int RowBlock = 16;

    // Columns handled per band: the partial results of the pairwise recursion live on the stack.
    private const int ColumnTile = 256;

    private static int Count => TSimd.Count;

    private static nint BlockLength => Accumulators * VectorsPerAccumulator * Count;

    /// <summary>Reduces x viewed as [outer, length, inner] over the middle axis into y [outer, inner].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOp>(T* x, nint outer, nint length, nint inner, T* y) where TOp : IReduceCombiner
    {
        for (nint o = 0; o < outer; o++)
        {
            if (inner == 1) y[o] = Contiguous<TOp>(x + o * length, length);
            else Columns<TOp>(x + o * length * inner, length, inner, y + o * inner);
        }
    }

    /// <summary>Reduces <paramref name="count"/> contiguous elements; sums are pairwise over blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Contiguous<TOp>(T* x, nint count) where TOp : IReduceCombiner
    {
        // Max and min are exact in any order: one flat pass is fastest.
        if (typeof(TOp) != typeof(SumCombiner) || count <= BlockLength) return Block<TOp>(x, count);
        nint half = count / 2 / (Accumulators * Count) * (Accumulators * Count);
        return TOp.Combine(Contiguous<TOp>(x, half), Contiguous<TOp>(x + half, count - half));
    }

    /// <summary>Reduces x[o, 0..length, 0..inner] for one o into y[0..inner].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns<TOp>(T* x, nint length, nint inner, T* y) where TOp : IReduceCombiner
    {
        for (nint column = 0; column < inner; column += ColumnTile)
            Band<TOp>(x + column, length, inner, Math.Min(ColumnTile, inner - column), y + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Block<TOp>(T* x, nint count) where TOp : IReduceCombiner
    {
        TV identity = TSimd.Splat(TOp.Identity<T>());
        TV a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        TV a4 = identity, a5 = identity, a6 = identity, a7 = identity;
        int step = Count;
        nint i = 0;
        for (; i <= count - Accumulators * step; i += Accumulators * step)
        {
            a0 = TOp.Combine<TV, T, TSimd>(a0, TSimd.Load(x + i));
            a1 = TOp.Combine<TV, T, TSimd>(a1, TSimd.Load(x + i + step));
            a2 = TOp.Combine<TV, T, TSimd>(a2, TSimd.Load(x + i + 2 * step));
            a3 = TOp.Combine<TV, T, TSimd>(a3, TSimd.Load(x + i + 3 * step));
            a4 = TOp.Combine<TV, T, TSimd>(a4, TSimd.Load(x + i + 4 * step));
            a5 = TOp.Combine<TV, T, TSimd>(a5, TSimd.Load(x + i + 5 * step));
            a6 = TOp.Combine<TV, T, TSimd>(a6, TSimd.Load(x + i + 6 * step));
            a7 = TOp.Combine<TV, T, TSimd>(a7, TSimd.Load(x + i + 7 * step));
        }
        for (; i <= count - step; i += step)
            a0 = TOp.Combine<TV, T, TSimd>(a0, TSimd.Load(x + i));

        TV low = TOp.Combine<TV, T, TSimd>(TOp.Combine<TV, T, TSimd>(a0, a1), TOp.Combine<TV, T, TSimd>(a2, a3));
        TV high = TOp.Combine<TV, T, TSimd>(TOp.Combine<TV, T, TSimd>(a4, a5), TOp.Combine<TV, T, TSimd>(a6, a7));
        T result = LaneCombine.Combine<TOp, T, TV>(TOp.Combine<TV, T, TSimd>(low, high));
        for (; i < count; i++) result = TOp.Combine(result, x[i]);
        return result;
    }

    /// <summary>
    /// Reduces <paramref name="rows"/> rows (row stride <paramref name="stride"/>) of <paramref name="width"/>
    /// columns into dst, halving the rows recursively so sums stay pairwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Band<TOp>(T* x, nint rows, nint stride, nint width, T* dst) where TOp : IReduceCombiner
    {
        if (rows <= RowBlock)
        {
            FlatBand<TOp>(x, rows, stride, width, dst);
            return;
        }
        nint half = rows / 2;
        Band<TOp>(x, half, stride, width, dst);
        T* rest = stackalloc T[(int)width];
        Band<TOp>(x + half * stride, rows - half, stride, width, rest);
        CombineInto<TOp>(dst, rest, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FlatBand<TOp>(T* x, nint rows, nint stride, nint width, T* dst) where TOp : IReduceCombiner
    {
        TV identity = TSimd.Splat(TOp.Identity<T>());
        int step = Count;
        nint column = 0;
        for (; column <= width - 4 * step; column += 4 * step)
        {
            TV a0 = identity, a1 = identity, a2 = identity, a3 = identity;
            for (nint r = 0; r < rows; r++)
            {
                T* row = x + r * stride + column;
                a0 = TOp.Combine<TV, T, TSimd>(a0, TSimd.Load(row));
                a1 = TOp.Combine<TV, T, TSimd>(a1, TSimd.Load(row + step));
                a2 = TOp.Combine<TV, T, TSimd>(a2, TSimd.Load(row + 2 * step));
                a3 = TOp.Combine<TV, T, TSimd>(a3, TSimd.Load(row + 3 * step));
            }
            TSimd.Store(dst + column, a0);
            TSimd.Store(dst + column + step, a1);
            TSimd.Store(dst + column + 2 * step, a2);
            TSimd.Store(dst + column + 3 * step, a3);
        }
        for (; column <= width - step; column += step)
        {
            TV a0 = identity;
            for (nint r = 0; r < rows; r++)
                a0 = TOp.Combine<TV, T, TSimd>(a0, TSimd.Load(x + r * stride + column));
            TSimd.Store(dst + column, a0);
        }
        for (; column < width; column++)
        {
            T accumulated = TOp.Identity<T>();
            for (nint r = 0; r < rows; r++)
                accumulated = TOp.Combine(accumulated, x[r * stride + column]);
            dst[column] = accumulated;
        }
    }

    /// <summary>dst[k] = dst[k] ⊕ src[k] for k in [0, count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CombineInto<TOp>(T* dst, T* src, nint count) where TOp : IReduceCombiner
    {
        nint k = 0;
        for (; k <= count - Count; k += Count)
            TSimd.Store(dst + k, TOp.Combine<TV, T, TSimd>(TSimd.Load(dst + k), TSimd.Load(src + k)));
        for (; k < count; k++)
            dst[k] = TOp.Combine(dst[k], src[k]);
    }
}
