using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Average pooling for windows two columns wide with step 2 and no column padding, written once over
/// <see cref="ISimd{TV,T}"/>: per output row, a vector pass sums the window's rows along the contiguous
/// W axis, then a second vector pass adds each output's even and odd column and divides.
/// </summary>
internal static unsafe class AvgPool2dVector<T, TV, TSimd, TPairs>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
    where TPairs : struct, IPairLanes<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(T* x, long planes, PoolGeometry g, bool countIncludePad, T* y)
    {
        int columns = 2 * g.OutWidth;
        var sums = new T[columns];
        fixed (T* pSums = sums)
        {
            for (long p = 0; p < planes; p++)
            {
                T* xp = x + p * g.InPlane;
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    var (h0, h1) = g.Rows(oh);
                    DownRows(xp, g.Width, h0, h1, columns, pSums);
                    T divisor = T.CreateTruncating(AvgPool2d.Divisor(g, countIncludePad, h0, h1, 0, 2));
                    T* yRow = y + p * g.OutPlane + (long)oh * g.OutWidth;
                    AcrossPairs(pSums, divisor, g.OutWidth, yRow);
                }
            }
        }
    }

    /// <summary>sums[c] = Σ rows [h0, h1) of column c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DownRows(T* plane, int width, int h0, int h1, int columns, T* sums)
    {
        Buffer.MemoryCopy(plane + (long)h0 * width, sums, columns * sizeof(T), columns * sizeof(T));
        for (int h = h0 + 1; h < h1; h++)
        {
            T* row = plane + (long)h * width;
            int c = 0;
            for (; c <= columns - TSimd.Count; c += TSimd.Count)
                TSimd.Store(sums + c, TSimd.Add(TSimd.Load(sums + c), TSimd.Load(row + c)));
            for (; c < columns; c++) sums[c] += row[c];
        }
    }

    /// <summary>y[ow] = (sums[2·ow] + sums[2·ow + 1]) / divisor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AcrossPairs(T* sums, T divisor, int outWidth, T* y)
    {
        TV vDivisor = TSimd.Splat(divisor);
        int ow = 0;
        for (; ow <= outWidth - TSimd.Count; ow += TSimd.Count)
        {
            TV v0 = TSimd.Load(sums + 2 * ow), v1 = TSimd.Load(sums + 2 * ow + TSimd.Count);
            TSimd.Store(y + ow, TSimd.Div(TSimd.Add(TPairs.Evens(v0, v1), TPairs.Odds(v0, v1)), vDivisor));
        }
        for (; ow < outWidth; ow++) y[ow] = (sums[2 * ow] + sums[2 * ow + 1]) / divisor;
    }
}
