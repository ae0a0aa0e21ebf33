using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Nearest upsampling of one plane by whole factors, and its adjoint: row by row, widening each input row
/// once and copying it down. A factor of 2 along W takes the vector path on AVX2 / AVX-512; others run
/// scalar. Both paths sum each output pair in the same order, so they agree bit for bit.
/// </summary>
internal static unsafe class UpsampleNearest<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y (sH·H × sW·W) from x (H × W).</summary>
    public static void ForwardPlane(CpuIsa isa, T* x, int height, int width, int scaleH, int scaleW, T* y)
    {
        long outWidth = (long)width * scaleW;
        long rowBytes = outWidth * sizeof(T);
        for (int h = 0; h < height; h++)
        {
            T* first = y + h * scaleH * outWidth;
            WidenRow(isa, x + (long)h * width, width, scaleW, first);
            for (int a = 1; a < scaleH; a++) Buffer.MemoryCopy(first, first + a * outWidth, rowBytes, rowBytes);
        }
    }

    /// <summary>dx (H × W) = the sum of each input cell's sH × sW block of dy.</summary>
    public static void BackwardPlane(CpuIsa isa, T* dy, int height, int width, int scaleH, int scaleW, T* dx)
    {
        long outWidth = (long)width * scaleW;
        new Span<T>(dx, checked(height * width)).Clear();
        for (int h = 0; h < height; h++)
            for (int a = 0; a < scaleH; a++)
                AddNarrowedRow(isa, dy + ((long)h * scaleH + a) * outWidth, width, scaleW, dx + (long)h * width);
    }

    private static void WidenRow(CpuIsa isa, T* row, int width, int scaleW, T* output)
    {
        if (scaleW == 2 && isa == CpuIsa.Avx2)
            UpsampleNearestVector<T, Vector256<T>, Simd256<T>, PairLanes256<T>>.DoubleRow(row, width, output);
        else if (scaleW == 2 && isa == CpuIsa.Avx512)
            UpsampleNearestVector<T, Vector512<T>, Simd512<T>, PairLanes512<T>>.DoubleRow(row, width, output);
        else
            for (int w = 0; w < width; w++)
                for (int b = 0; b < scaleW; b++) output[w * scaleW + b] = row[w];
    }

    private static void AddNarrowedRow(CpuIsa isa, T* gradRow, int width, int scaleW, T* dxRow)
    {
        if (scaleW == 2 && isa == CpuIsa.Avx2)
            UpsampleNearestVector<T, Vector256<T>, Simd256<T>, PairLanes256<T>>.AddPairSums(gradRow, width, dxRow);
        else if (scaleW == 2 && isa == CpuIsa.Avx512)
            UpsampleNearestVector<T, Vector512<T>, Simd512<T>, PairLanes512<T>>.AddPairSums(gradRow, width, dxRow);
        else
            for (int w = 0; w < width; w++)
            {
                T sum = gradRow[w * scaleW];
                for (int b = 1; b < scaleW; b++) sum += gradRow[w * scaleW + b];
                dxRow[w] += sum;
            }
    }
}

/// <summary>The ×2-along-W rows of nearest upsampling, written once over <see cref="ISimd{TV,T}"/> and <see cref="IPairLanes{TV}"/>.</summary>
internal static unsafe class UpsampleNearestVector<T, TV, TSimd, TPairs>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
    where TPairs : struct, IPairLanes<TV>
{
    /// <summary>output[2w] = output[2w + 1] = row[w].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DoubleRow(T* row, int width, T* output)
    {
        int w = 0;
        for (; w <= width - TSimd.Count; w += TSimd.Count)
        {
            TV v = TSimd.Load(row + w);
            TSimd.Store(output + 2 * w, TPairs.DoubleLow(v));
            TSimd.Store(output + 2 * w + TSimd.Count, TPairs.DoubleHigh(v));
        }
        for (; w < width; w++) output[2 * w] = output[2 * w + 1] = row[w];
    }

    /// <summary>dx[w] += g[2w] + g[2w + 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddPairSums(T* g, int width, T* dx)
    {
        int w = 0;
        for (; w <= width - TSimd.Count; w += TSimd.Count)
        {
            TV g0 = TSimd.Load(g + 2 * w), g1 = TSimd.Load(g + 2 * w + TSimd.Count);
            TSimd.Store(dx + w, TSimd.Add(TSimd.Load(dx + w), TSimd.Add(TPairs.Evens(g0, g1), TPairs.Odds(g0, g1))));
        }
        for (; w < width; w++) dx[w] += g[2 * w] + g[2 * w + 1];
    }
}
