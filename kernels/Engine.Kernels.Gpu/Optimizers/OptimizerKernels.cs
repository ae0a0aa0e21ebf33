using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>Which optional parts of an update run (bits of the constants' Flags).</summary>
internal static class UpdateFlags
{
    public const int Decay = 1, Momentum = 2, Nesterov = 4, FirstStep = 8, Decoupled = 16, Amsgrad = 32, Centered = 64;
}

/// <summary>SGD's constants as T (converted as the CPU converts them) and its flags.</summary>
internal readonly struct SgdConstants<T>(T learningRate, T weightDecay, T momentum, T keep, int flags) where T : unmanaged
{
    public readonly T LearningRate = learningRate, WeightDecay = weightDecay, Momentum = momentum, Keep = keep;
    public readonly int Flags = flags;
}

/// <summary>Adam's per-step constants as T and its flags.</summary>
internal readonly struct AdamConstants<T>(T stepSize, T inverseRoot, T epsilon, T beta1, T beta2, T rest1, T rest2, T weightDecay, T shrink, int flags)
    where T : unmanaged
{
    public readonly T StepSize = stepSize, InverseRoot = inverseRoot, Epsilon = epsilon, Beta1 = beta1, Beta2 = beta2;
    public readonly T Rest1 = rest1, Rest2 = rest2, WeightDecay = weightDecay, Shrink = shrink;
    public readonly int Flags = flags;
}

/// <summary>RMSprop's constants as T and its flags.</summary>
internal readonly struct RmsPropConstants<T>(T learningRate, T alpha, T rest, T epsilon, T weightDecay, T momentum, int flags) where T : unmanaged
{
    public readonly T LearningRate = learningRate, Alpha = alpha, Rest = rest, Epsilon = epsilon, WeightDecay = weightDecay, Momentum = momentum;
    public readonly int Flags = flags;
}

/// <summary>Adagrad's constants as T and its flags.</summary>
internal readonly struct AdagradConstants<T>(T learningRate, T epsilon, T weightDecay, int flags) where T : unmanaged
{
    public readonly T LearningRate = learningRate, Epsilon = epsilon, WeightDecay = weightDecay;
    public readonly int Flags = flags;
}

/// <summary>
/// The optimizer updates for one element type: one thread per element in a grid-stride loop, each operand read
/// once, the same operations in the same order as the CPU's scalar reference (UpdateScalar), computed in T.
/// Absent state buffers are never touched (their flag is off), so the host passes any valid view for them.
/// </summary>
internal static class OptimizerKernels<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, SgdConstants<T>>> Sgd =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, SgdConstants<T>>(SgdKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdamConstants<T>>> Adam =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdamConstants<T>>(AdamKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, RmsPropConstants<T>>> RmsProp =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, RmsPropConstants<T>>(RmsPropKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdagradConstants<T>>> Adagrad =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdagradConstants<T>>(AdagradKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, long, T, T>> Clamp =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, long, T, T>(ClampKernel));

    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, long, T>> Scale =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, long, T>(ScaleKernel));

    internal static void SgdKernel(Index1D thread, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> buffer, long n, SgdConstants<T> c)
    {
        TMath m = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
        {
            T p = param[i], g = grad[i];
            if ((c.Flags & UpdateFlags.Decay) != 0) g = m.Add(g, m.Mul(c.WeightDecay, p));
            if ((c.Flags & UpdateFlags.Momentum) != 0)
            {
                T b = (c.Flags & UpdateFlags.FirstStep) != 0 ? g : m.Add(m.Mul(c.Momentum, buffer[i]), m.Mul(c.Keep, g));
                buffer[i] = b;
                g = (c.Flags & UpdateFlags.Nesterov) != 0 ? m.Add(g, m.Mul(c.Momentum, b)) : b;
            }
            param[i] = m.Sub(p, m.Mul(c.LearningRate, g));
        }
    }

    internal static void AdamKernel(Index1D thread, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> first, ArrayView<T> second,
        ArrayView<T> maxSecond, long n, AdamConstants<T> c)
    {
        TMath m = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
        {
            T p = param[i], g = grad[i];
            if ((c.Flags & UpdateFlags.Decay) != 0) g = m.Add(g, m.Mul(c.WeightDecay, p));
            if ((c.Flags & UpdateFlags.Decoupled) != 0) p = m.Mul(p, c.Shrink);
            T mi = m.Add(m.Mul(c.Beta1, first[i]), m.Mul(c.Rest1, g));
            T vi = m.Add(m.Mul(c.Beta2, second[i]), m.Mul(c.Rest2, m.Mul(g, g)));
            first[i] = mi;
            second[i] = vi;
            if ((c.Flags & UpdateFlags.Amsgrad) != 0)
            {
                vi = ElementFunctions.Max<T, TMath>(maxSecond[i], vi);
                maxSecond[i] = vi;
            }
            T denominator = m.Add(m.Mul(m.Sqrt(vi), c.InverseRoot), c.Epsilon);
            param[i] = m.Sub(p, m.Mul(c.StepSize, m.Div(mi, denominator)));
        }
    }

    internal static void RmsPropKernel(Index1D thread, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> square, ArrayView<T> mean,
        ArrayView<T> buffer, long n, RmsPropConstants<T> c)
    {
        TMath m = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
        {
            T p = param[i], g = grad[i];
            if ((c.Flags & UpdateFlags.Decay) != 0) g = m.Add(g, m.Mul(c.WeightDecay, p));
            T s = m.Add(m.Mul(c.Alpha, square[i]), m.Mul(c.Rest, m.Mul(g, g)));
            square[i] = s;
            if ((c.Flags & UpdateFlags.Centered) != 0)
            {
                T gm = m.Add(m.Mul(c.Alpha, mean[i]), m.Mul(c.Rest, g));
                mean[i] = gm;
                s = m.Sub(s, m.Mul(gm, gm));
            }
            T step = m.Div(g, m.Add(m.Sqrt(s), c.Epsilon));
            if ((c.Flags & UpdateFlags.Momentum) != 0)
            {
                step = m.Add(m.Mul(c.Momentum, buffer[i]), step);
                buffer[i] = step;
            }
            param[i] = m.Sub(p, m.Mul(c.LearningRate, step));
        }
    }

    internal static void AdagradKernel(Index1D thread, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> sum, long n, AdagradConstants<T> c)
    {
        TMath m = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
        {
            T p = param[i], g = grad[i];
            if ((c.Flags & UpdateFlags.Decay) != 0) g = m.Add(g, m.Mul(c.WeightDecay, p));
            T s = m.Add(sum[i], m.Mul(g, g));
            sum[i] = s;
            param[i] = m.Sub(p, m.Mul(c.LearningRate, m.Div(g, m.Add(m.Sqrt(s), c.Epsilon))));
        }
    }

    // Max then Min, as the CPU: NaN stays NaN.
    internal static void ClampKernel(Index1D thread, ArrayView<T> x, long n, T min, T max)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            x[i] = ElementFunctions.Min<T, TMath>(ElementFunctions.Max<T, TMath>(x[i], min), max);
    }

    internal static void ScaleKernel(Index1D thread, ArrayView<T> x, long n, T factor)
    {
        TMath m = default;
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads) x[i] = m.Mul(x[i], factor);
    }
}
