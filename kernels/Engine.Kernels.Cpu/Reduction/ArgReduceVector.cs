using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector arg-reduction in two passes: find the extreme with the vector reduction, then the first
/// index holding it (or the first NaN, when the extreme is NaN) with a vector compare scan.
/// </summary>
/// <remarks>
/// The loops are marked AggressiveOptimization: unoptimised tier-0 code calls every vector helper out of
/// line and made a first large call 20–30× slower than later ones.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class ArgReduceVector<T, TV, TSimd>
    where T : unmanaged, INumber<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    // Columns per tile: the tile's extremes live on the stack.
    private const int ColumnTile = 256;

    /// <summary>y[o, i] = first index along the middle axis of the extreme of x[o, :, i]; a NaN is the extreme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOp>(T* x, nint outer, nint length, nint inner, int* y) where TOp : IReduceCombiner
    {
        for (nint o = 0; o < outer; o++)
        {
            T* slice = x + o * length * inner;
            if (inner == 1)
            {
                T extreme = ReduceVector<T, TV, TSimd>.Contiguous<TOp>(slice, length);
                y[o] = FirstIndexOf(slice, length, extreme);
            }
            else
            {
                for (nint column = 0; column < inner; column += ColumnTile)
                    ColumnTileArg<TOp>(slice + column, length, inner, Math.Min(ColumnTile, inner - column), y + o * inner + column);
            }
        }
    }

    /// <summary>First index k with x[k] == value, or with x[k] NaN when value is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FirstIndexOf(T* x, nint count, T value)
    {
        bool findNaN = T.IsNaN(value);
        TV target = TSimd.Splat(value);
        int step = TSimd.Count;
        nint i = 0;
        for (; i <= count - step; i += step)
        {
            TV element = TSimd.Load(x + i);
            int lane = TSimd.FirstSetLane(findNaN ? TSimd.IsNaN(element) : TSimd.Equal(element, target));
            if (lane >= 0) return (int)(i + lane);
        }
        for (; i < count; i++)
            if (Matches(x[i], value, findNaN)) return (int)i;
        throw new UnreachableException("The extreme of a row was not found in that row.");
    }

    /// <summary>Arg-reduces <paramref name="width"/> columns: extremes by vector, then one row-major scan.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnTileArg<TOp>(T* x, nint length, nint stride, nint width, int* y) where TOp : IReduceCombiner
    {
        T* extremes = stackalloc T[(int)width];
        ReduceVector<T, TV, TSimd>.Band<TOp>(x, length, stride, width, extremes);
        new Span<int>(y, (int)width).Fill(-1);
        nint found = 0;
        for (nint r = 0; r < length && found < width; r++)
        {
            T* row = x + r * stride;
            for (nint k = 0; k < width; k++)
            {
                if (y[k] >= 0 || !Matches(row[k], extremes[k], T.IsNaN(extremes[k]))) continue;
                y[k] = (int)r;
                found++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Matches(T element, T value, bool findNaN) => findNaN ? T.IsNaN(element) : element == value;
}
