using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar normalisation path: plain loops, sums in double; the reference the vector paths are tested against.</summary>
internal readonly unsafe struct NormalizationScalar<T> : INormalizationPath<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Lanes => 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(T* x, nint count, ref MomentAccumulator<T> accumulator)
    {
        for (nint i = 0; i < count; i++) accumulator.Merged.Add(double.CreateTruncating(x[i]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Normalize(T* x, nint count, T mean, T scale, T shift, T* y)
    {
        for (nint i = 0; i < count; i++) y[i] = T.FusedMultiplyAdd(x[i] - mean, scale, shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double SumDy, double SumDyCentered) GradientSums(T* x, T* dy, nint count, T mean)
    {
        double sumDy = 0, sumDyCentered = 0;
        for (nint i = 0; i < count; i++)
        {
            double g = double.CreateTruncating(dy[i]);
            sumDy += g;
            sumDyCentered += g * double.CreateTruncating(x[i] - mean);
        }
        return (sumDy, sumDyCentered);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(T* x, T* dy, nint count, T mean, T dyScale, T centeredScale, T constant, T* dx)
    {
        for (nint i = 0; i < count; i++)
            dx[i] = T.FusedMultiplyAdd(dy[i], dyScale, T.FusedMultiplyAdd(x[i] - mean, centeredScale, constant));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateColumns(T* row, nint width, T* shift, T reciprocal, T* mean, T* m2)
    {
        for (nint j = 0; j < width; j++)
        {
            T v = row[j] - shift[j], delta = v - mean[j];
            mean[j] = T.FusedMultiplyAdd(delta, reciprocal, mean[j]);
            m2[j] = T.FusedMultiplyAdd(delta, v - mean[j], m2[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeColumns(T* x, nint width, T* mean, T* scale, T* shift, T* y)
    {
        for (nint j = 0; j < width; j++) y[j] = T.FusedMultiplyAdd(x[j] - mean[j], scale[j], shift[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradientSumsColumns(T* x, T* dy, nint width, T* mean, T* sumDy, T* sumDyCentered)
    {
        for (nint j = 0; j < width; j++)
        {
            sumDy[j] += dy[j];
            sumDyCentered[j] = T.FusedMultiplyAdd(dy[j], x[j] - mean[j], sumDyCentered[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradientColumns(T* x, T* dy, nint width, T* mean, T* dyScale, T* centeredScale, T* constant, T* dx)
    {
        for (nint j = 0; j < width; j++)
            dx[j] = T.FusedMultiplyAdd(dy[j], dyScale[j], T.FusedMultiplyAdd(x[j] - mean[j], centeredScale[j], constant[j]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NormalizeRow(T* x, nint count, T mean, T invStd, T* weight, T* bias, T* y)
    {
        for (nint i = 0; i < count; i++)
        {
            T normalized = (x[i] - mean) * invStd;
            y[i] = T.FusedMultiplyAdd(normalized, weight == null ? T.One : weight[i], bias == null ? T.Zero : bias[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowBackward(T* x, T* dy, nint count, T mean, T invStd, T* weight, T* dx, T* dWeight, T* dBias)
    {
        double sumG = 0, sumGNormalized = 0;
        for (nint i = 0; i < count; i++)
        {
            T normalized = (x[i] - mean) * invStd;
            T g = weight == null ? dy[i] : dy[i] * weight[i];
            sumG += double.CreateTruncating(g);
            sumGNormalized += double.CreateTruncating(g * normalized);
            if (dWeight != null) dWeight[i] += dy[i] * normalized;
            if (dBias != null) dBias[i] += dy[i];
        }
        if (dx == null) return;
        T meanG = T.CreateTruncating(sumG / count), meanGNormalized = T.CreateTruncating(sumGNormalized / count);
        for (nint i = 0; i < count; i++)
        {
            T normalized = (x[i] - mean) * invStd;
            T g = weight == null ? dy[i] : dy[i] * weight[i];
            dx[i] = invStd * (g - meanG - normalized * meanGNormalized);
        }
    }
}
