using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector normalisation path, written once over <see cref="ISimd{TV,T}"/> and vectorised along the
/// contiguous line; elements past the last full vector take the scalar twin's code.
/// </summary>
/// <remarks>Sums that end in a per-line scalar are combined across lanes and then added in double.</remarks>
internal readonly unsafe struct NormalizationVector<T, TV, TSimd> : INormalizationPath<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private static int Count => TSimd.Count;

    public static int Lanes => TSimd.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(T* x, nint count, ref MomentAccumulator<T> accumulator)
    {
        nint i = 0;
        if (count >= Count)
        {
            if (!accumulator.HasShift)
            {
                accumulator.Shift = double.CreateTruncating(x[0]);
                accumulator.HasShift = true;
            }
            fixed (byte* meanBytes = accumulator.LaneMeanBytes, m2Bytes = accumulator.LaneM2Bytes)
            {
                T* laneMean = (T*)meanBytes, laneM2 = (T*)m2Bytes;
                TV shift = TSimd.Splat(T.CreateTruncating(accumulator.Shift)), zero = TSimd.Splat(T.Zero);
                long n = accumulator.LaneCount;
                TV mean = n == 0 ? zero : TSimd.Load(laneMean), m2 = n == 0 ? zero : TSimd.Load(laneM2);
                for (; i <= count - Count; i += Count)
                {
                    if (n == MomentAccumulator<T>.FlushInterval)
                    {
                        TSimd.Store(laneMean, mean);
                        TSimd.Store(laneM2, m2);
                        accumulator.LaneCount = n;
                        accumulator.FlushLanes(Count);
                        mean = m2 = zero;
                        n = 0;
                    }
                    // Welford per lane: every lane has seen n values, so one reciprocal serves them all.
                    n++;
                    TV v = TSimd.Sub(TSimd.Load(x + i), shift);
                    TV delta = TSimd.Sub(v, mean);
                    mean = TSimd.Fma(delta, TSimd.Splat(T.One / T.CreateTruncating(n)), mean);
                    m2 = TSimd.Fma(delta, TSimd.Sub(v, mean), m2);
                }
                accumulator.LaneCount = n;
                TSimd.Store(laneMean, mean);
                TSimd.Store(laneM2, m2);
            }
        }
        for (; i < count; i++) accumulator.Merged.Add(double.CreateTruncating(x[i]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Normalize(T* x, nint count, T mean, T scale, T shift, T* y)
    {
        TV vMean = TSimd.Splat(mean), vScale = TSimd.Splat(scale), vShift = TSimd.Splat(shift);
        nint i = 0;
        for (; i <= count - Count; i += Count)
            TSimd.Store(y + i, TSimd.Fma(TSimd.Sub(TSimd.Load(x + i), vMean), vScale, vShift));
        NormalizationScalar<T>.Normalize(x + i, count - i, mean, scale, shift, y + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double SumDy, double SumDyCentered) GradientSums(T* x, T* dy, nint count, T mean)
    {
        TV vMean = TSimd.Splat(mean), sumDy = TSimd.Splat(T.Zero), sumDyCentered = sumDy;
        nint i = 0;
        for (; i <= count - Count; i += Count)
        {
            TV g = TSimd.Load(dy + i);
            sumDy = TSimd.Add(sumDy, g);
            sumDyCentered = TSimd.Fma(g, TSimd.Sub(TSimd.Load(x + i), vMean), sumDyCentered);
        }
        var (tailDy, tailDyCentered) = NormalizationScalar<T>.GradientSums(x + i, dy + i, count - i, mean);
        return (tailDy + Combine(sumDy), tailDyCentered + Combine(sumDyCentered));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(T* x, T* dy, nint count, T mean, T dyScale, T centeredScale, T constant, T* dx)
    {
        TV vMean = TSimd.Splat(mean), vDyScale = TSimd.Splat(dyScale), vCenteredScale = TSimd.Splat(centeredScale), vConstant = TSimd.Splat(constant);
        nint i = 0;
        for (; i <= count - Count; i += Count)
        {
            TV rest = TSimd.Fma(TSimd.Sub(TSimd.Load(x + i), vMean), vCenteredScale, vConstant);
            TSimd.Store(dx + i, TSimd.Fma(TSimd.Load(dy + i), vDyScale, rest));
        }
        NormalizationScalar<T>.InputGradient(x + i, dy + i, count - i, mean, dyScale, centeredScale, constant, dx + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateColumns(T* row, nint width, T* shift, T reciprocal, T* mean, T* m2)
    {
        TV vReciprocal = TSimd.Splat(reciprocal);
        nint j = 0;
        for (; j <= width - Count; j += Count)
        {
            TV v = TSimd.Sub(TSimd.Load(row + j), TSimd.Load(shift + j));
            TV oldMean = TSimd.Load(mean + j), delta = TSimd.Sub(v, oldMean);
            TV newMean = TSimd.Fma(delta, vReciprocal, oldMean);
            TSimd.Store(mean + j, newMean);
            TSimd.Store(m2 + j, TSimd.Fma(delta, TSimd.Sub(v, newMean), TSimd.Load(m2 + j)));
        }
        NormalizationScalar<T>.AccumulateColumns(row + j, width - j, shift + j, reciprocal, mean + j, m2 + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeColumns(T* x, nint width, T* mean, T* scale, T* shift, T* y)
    {
        nint j = 0;
        for (; j <= width - Count; j += Count)
            TSimd.Store(y + j, TSimd.Fma(TSimd.Sub(TSimd.Load(x + j), TSimd.Load(mean + j)), TSimd.Load(scale + j), TSimd.Load(shift + j)));
        NormalizationScalar<T>.NormalizeColumns(x + j, width - j, mean + j, scale + j, shift + j, y + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradientSumsColumns(T* x, T* dy, nint width, T* mean, T* sumDy, T* sumDyCentered)
    {
        nint j = 0;
        for (; j <= width - Count; j += Count)
        {
            TV g = TSimd.Load(dy + j);
            TSimd.Store(sumDy + j, TSimd.Add(TSimd.Load(sumDy + j), g));
            TSimd.Store(sumDyCentered + j, TSimd.Fma(g, TSimd.Sub(TSimd.Load(x + j), TSimd.Load(mean + j)), TSimd.Load(sumDyCentered + j)));
        }
        NormalizationScalar<T>.GradientSumsColumns(x + j, dy + j, width - j, mean + j, sumDy + j, sumDyCentered + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradientColumns(T* x, T* dy, nint width, T* mean, T* dyScale, T* centeredScale, T* constant, T* dx)
    {
        nint j = 0;
        for (; j <= width - Count; j += Count)
        {
            TV rest = TSimd.Fma(TSimd.Sub(TSimd.Load(x + j), TSimd.Load(mean + j)), TSimd.Load(centeredScale + j), TSimd.Load(constant + j));
            TSimd.Store(dx + j, TSimd.Fma(TSimd.Load(dy + j), TSimd.Load(dyScale + j), rest));
        }
        NormalizationScalar<T>.InputGradientColumns(x + j, dy + j, width - j, mean + j, dyScale + j, centeredScale + j, constant + j, dx + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeRow(T* x, nint count, T mean, T invStd, T* weight, T* bias, T* y)
    {
        TV vMean = TSimd.Splat(mean), vInvStd = TSimd.Splat(invStd), one = TSimd.Splat(T.One), zero = TSimd.Splat(T.Zero);
        nint i = 0;
        for (; i <= count - Count; i += Count)
        {
            TV normalized = TSimd.Mul(TSimd.Sub(TSimd.Load(x + i), vMean), vInvStd);
            TV w = weight == null ? one : TSimd.Load(weight + i), b = bias == null ? zero : TSimd.Load(bias + i);
            TSimd.Store(y + i, TSimd.Fma(normalized, w, b));
        }
        NormalizationScalar<T>.NormalizeRow(x + i, count - i, mean, invStd,
            weight == null ? null : weight + i, bias == null ? null : bias + i, y + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowBackward(T* x, T* dy, nint count, T mean, T invStd, T* weight, T* dx, T* dWeight, T* dBias)
    {
        TV vMean = TSimd.Splat(mean), vInvStd = TSimd.Splat(invStd), sumG = TSimd.Splat(T.Zero), sumGNormalized = sumG;
        nint full = count - count % Count;
        for (nint i = 0; i < full; i += Count)
        {
            TV d = TSimd.Load(dy + i);
            TV normalized = TSimd.Mul(TSimd.Sub(TSimd.Load(x + i), vMean), vInvStd);
            TV g = weight == null ? d : TSimd.Mul(d, TSimd.Load(weight + i));
            sumG = TSimd.Add(sumG, g);
            sumGNormalized = TSimd.Fma(g, normalized, sumGNormalized);
            if (dWeight != null) TSimd.Store(dWeight + i, TSimd.Fma(d, normalized, TSimd.Load(dWeight + i)));
            if (dBias != null) TSimd.Store(dBias + i, TSimd.Add(TSimd.Load(dBias + i), d));
        }
        double totalG = Combine(sumG), totalGNormalized = Combine(sumGNormalized);
        for (nint i = full; i < count; i++)
        {
            T normalized = (x[i] - mean) * invStd;
            T g = weight == null ? dy[i] : dy[i] * weight[i];
            totalG += double.CreateTruncating(g);
            totalGNormalized += double.CreateTruncating(g * normalized);
            if (dWeight != null) dWeight[i] += dy[i] * normalized;
            if (dBias != null) dBias[i] += dy[i];
        }
        if (dx == null) return;
        T meanG = T.CreateTruncating(totalG / count), meanGNormalized = T.CreateTruncating(totalGNormalized / count);
        TV vMeanG = TSimd.Splat(meanG), vMeanGNormalized = TSimd.Splat(meanGNormalized);
        for (nint i = 0; i < full; i += Count)
        {
            TV normalized = TSimd.Mul(TSimd.Sub(TSimd.Load(x + i), vMean), vInvStd);
            TV d = TSimd.Load(dy + i);
            TV g = weight == null ? d : TSimd.Mul(d, TSimd.Load(weight + i));
            TV centered = TSimd.Sub(TSimd.Sub(g, vMeanG), TSimd.Mul(normalized, vMeanGNormalized));
            TSimd.Store(dx + i, TSimd.Mul(vInvStd, centered));
        }
        for (nint i = full; i < count; i++)
        {
            T normalized = (x[i] - mean) * invStd;
            T g = weight == null ? dy[i] : dy[i] * weight[i];
            dx[i] = invStd * (g - meanG - normalized * meanGNormalized);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Combine(TV sum) => double.CreateTruncating(LaneCombine.Combine<SumCombiner, T, TV>(sum));
}
