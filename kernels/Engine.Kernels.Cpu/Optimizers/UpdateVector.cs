using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector optimizer updates and clipping loops, written once over <see cref="ISimd{TV,T}"/>: one pass over
/// parameter, gradient and state per step. Each performs the scalar twin's operations in the same order and
/// hands its tail to <see cref="UpdateScalar{T}"/>.
/// </summary>
/// <remarks>Loop-invariant flags are tested inside the loops; the branches are perfectly predicted.</remarks>
[SkipLocalsInit]
internal static unsafe class UpdateVector<T, TV, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private static TV Of(double value) => TSimd.Splat(T.CreateTruncating(value));

    /// <summary>p + offset, keeping an absent (null) state buffer null.</summary>
    private static T* At(T* p, nint offset) => p == null ? null : p + offset;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd(T* param, T* grad, T* buffer, nint count, in SgdUpdate u)
    {
        TV lr = Of(u.LearningRate), wd = Of(u.WeightDecay), mu = Of(u.Momentum), keep = Of(1 - u.Dampening);
        bool decay = u.WeightDecay != 0, momentum = u.Momentum != 0;
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
        {
            TV p = TSimd.Load(param + i), g = TSimd.Load(grad + i);
            if (decay) g = TSimd.Add(g, TSimd.Mul(wd, p));
            if (momentum)
            {
                TV b = u.FirstStep ? g : TSimd.Add(TSimd.Mul(mu, TSimd.Load(buffer + i)), TSimd.Mul(keep, g));
                TSimd.Store(buffer + i, b);
                g = u.Nesterov ? TSimd.Add(g, TSimd.Mul(mu, b)) : b;
            }
            TSimd.Store(param + i, TSimd.Sub(p, TSimd.Mul(lr, g)));
        }
        UpdateScalar<T>.Sgd(param + i, grad + i, At(buffer, i), count - i, u);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam(T* param, T* grad, T* m, T* v, T* vMax, nint count, in AdamUpdate u)
    {
        var c = AdamConstants.Of(u);
        TV stepSize = Of(c.StepSize), invRoot = Of(c.InverseRootCorrection2), eps = Of(u.Epsilon);
        TV b1 = Of(u.Beta1), b2 = Of(u.Beta2), rest1 = Of(1 - u.Beta1), rest2 = Of(1 - u.Beta2);
        TV wd = Of(u.WeightDecay), shrink = Of(c.Shrink);
        bool coupled = u.WeightDecay != 0 && !u.Decoupled, decoupled = u.WeightDecay != 0 && u.Decoupled;
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
        {
            TV p = TSimd.Load(param + i), g = TSimd.Load(grad + i);
            if (coupled) g = TSimd.Add(g, TSimd.Mul(wd, p));
            if (decoupled) p = TSimd.Mul(p, shrink);
            TV mi = TSimd.Add(TSimd.Mul(b1, TSimd.Load(m + i)), TSimd.Mul(rest1, g));
            TV vi = TSimd.Add(TSimd.Mul(b2, TSimd.Load(v + i)), TSimd.Mul(rest2, TSimd.Mul(g, g)));
            TSimd.Store(m + i, mi);
            TSimd.Store(v + i, vi);
            if (vMax != null)
            {
                vi = TSimd.Max(TSimd.Load(vMax + i), vi);
                TSimd.Store(vMax + i, vi);
            }
            TV denom = TSimd.Add(TSimd.Mul(TSimd.Sqrt(vi), invRoot), eps);
            TSimd.Store(param + i, TSimd.Sub(p, TSimd.Mul(stepSize, TSimd.Div(mi, denom))));
        }
        UpdateScalar<T>.Adam(param + i, grad + i, m + i, v + i, At(vMax, i), count - i, u);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsProp(T* param, T* grad, T* square, T* mean, T* buffer, nint count, in RmsPropUpdate u)
    {
        TV lr = Of(u.LearningRate), alpha = Of(u.Alpha), rest = Of(1 - u.Alpha), eps = Of(u.Epsilon);
        TV wd = Of(u.WeightDecay), mu = Of(u.Momentum);
        bool decay = u.WeightDecay != 0;
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
        {
            TV p = TSimd.Load(param + i), g = TSimd.Load(grad + i);
            if (decay) g = TSimd.Add(g, TSimd.Mul(wd, p));
            TV s = TSimd.Add(TSimd.Mul(alpha, TSimd.Load(square + i)), TSimd.Mul(rest, TSimd.Mul(g, g)));
            TSimd.Store(square + i, s);
            if (mean != null)
            {
                TV gm = TSimd.Add(TSimd.Mul(alpha, TSimd.Load(mean + i)), TSimd.Mul(rest, g));
                TSimd.Store(mean + i, gm);
                s = TSimd.Sub(s, TSimd.Mul(gm, gm));
            }
            TV step = TSimd.Div(g, TSimd.Add(TSimd.Sqrt(s), eps));
            if (buffer != null)
            {
                step = TSimd.Add(TSimd.Mul(mu, TSimd.Load(buffer + i)), step);
                TSimd.Store(buffer + i, step);
            }
            TSimd.Store(param + i, TSimd.Sub(p, TSimd.Mul(lr, step)));
        }
        UpdateScalar<T>.RmsProp(param + i, grad + i, square + i, At(mean, i), At(buffer, i), count - i, u);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adagrad(T* param, T* grad, T* sum, nint count, in AdagradUpdate u)
    {
        TV lr = Of(u.LearningRate), eps = Of(u.Epsilon), wd = Of(u.WeightDecay);
        bool decay = u.WeightDecay != 0;
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
        {
            TV p = TSimd.Load(param + i), g = TSimd.Load(grad + i);
            if (decay) g = TSimd.Add(g, TSimd.Mul(wd, p));
            TV s = TSimd.Add(TSimd.Load(sum + i), TSimd.Mul(g, g));
            TSimd.Store(sum + i, s);
            TSimd.Store(param + i, TSimd.Sub(p, TSimd.Mul(lr, TSimd.Div(g, TSimd.Add(TSimd.Sqrt(s), eps)))));
        }
        UpdateScalar<T>.Adagrad(param + i, grad + i, sum + i, count - i, u);
    }

    /// <summary>
    /// Σ x²: squares are summed in four vector accumulators over blocks of <see cref="SumBlockLength"/>
    /// elements and each block's total is added in double, so float sums of long tensors stay accurate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(T* x, nint count)
    {
        double total = 0;
        nint i = 0;
        int step = TSimd.Count * 4;
        while (count - i >= step)
        {
            nint end = Math.Min(count, i + SumBlockLength);
            TV s0 = TSimd.Splat(T.Zero), s1 = s0, s2 = s0, s3 = s0;
            for (; i <= end - step; i += step)
            {
                TV a = TSimd.Load(x + i), b = TSimd.Load(x + i + TSimd.Count);
                TV c = TSimd.Load(x + i + 2 * TSimd.Count), d = TSimd.Load(x + i + 3 * TSimd.Count);
                s0 = TSimd.Fma(a, a, s0); s1 = TSimd.Fma(b, b, s1);
                s2 = TSimd.Fma(c, c, s2); s3 = TSimd.Fma(d, d, s3);
            }
            total += LaneSum(TSimd.Add(TSimd.Add(s0, s1), TSimd.Add(s2, s3)));
        }
        return total + UpdateScalar<T>.SumOfSquares(x + i, count - i);
    }

    private const int SumBlockLength = 1024;

    private static double LaneSum(TV v)
    {
        T* lanes = stackalloc T[TSimd.Count];
        TSimd.Store(lanes, v);
        double sum = 0;
        for (int k = 0; k < TSimd.Count; k++) sum += double.CreateTruncating(lanes[k]);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Clamp(T* x, nint count, T min, T max)
    {
        TV lo = TSimd.Splat(min), hi = TSimd.Splat(max);
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
            TSimd.Store(x + i, TSimd.Min(TSimd.Max(TSimd.Load(x + i), lo), hi));
        UpdateScalar<T>.Clamp(x + i, count - i, min, max);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(T* x, nint count, T factor)
    {
        TV f = TSimd.Splat(factor);
        nint i = 0;
        for (; i <= count - TSimd.Count; i += TSimd.Count)
            TSimd.Store(x + i, TSimd.Mul(TSimd.Load(x + i), f));
        UpdateScalar<T>.Scale(x + i, count - i, factor);
    }
}
