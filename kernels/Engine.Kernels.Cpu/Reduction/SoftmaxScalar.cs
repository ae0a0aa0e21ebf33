using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar softmax: the reference behaviour the vector paths are tested against.</summary>
internal static unsafe class SoftmaxScalar<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Softmax (or log-softmax) of each x[o, :, i] line into y; y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(T* x, nint outer, nint length, nint inner, T* y, bool log)
    {
        for (nint o = 0; o < outer; o++)
            Columns(x + o * length * inner, length, inner, inner, y + o * length * inner, log);
    }

    /// <summary>Softmax down each of <paramref name="width"/> columns of a [length, stride] slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns(T* x, nint length, nint stride, nint width, T* y, bool log)
    {
        for (nint i = 0; i < width; i++)
            Line(x + i, length, stride, y + i, log);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Line(T* x, nint count, nint stride, T* y, bool log)
    {
        T max = ReduceScalar<T>.Strided<MaxCombiner>(x, count, stride);
        double sum = 0;
        for (nint k = 0; k < count; k++)
        {
            T e = T.Exp(x[k * stride] - max);
            if (!log) y[k * stride] = e;
            sum += double.CreateTruncating(e);
        }
        if (log)
        {
            T logSum = T.CreateTruncating(Math.Log(sum));
            for (nint k = 0; k < count; k++) y[k * stride] = x[k * stride] - max - logSum;
        }
        else
        {
            T scale = T.CreateTruncating(1.0 / sum);
            for (nint k = 0; k < count; k++) y[k * stride] *= scale;
        }
    }
}
