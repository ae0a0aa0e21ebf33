using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The scalar optimizer updates and gradient-clipping loops: the reference every vector path is tested
/// against, and the tail loop of the vector paths. The vector paths perform the same operations in the same
/// order (no fused multiply-add), so both give the same bits.
/// </summary>
internal static unsafe class UpdateScalar<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static T Of(double value) => T.CreateTruncating(value);

    public static void Sgd(T* param, T* grad, T* buffer, nint count, in SgdUpdate u)
    {
        T lr = Of(u.LearningRate), wd = Of(u.WeightDecay), mu = Of(u.Momentum), keep = Of(1 - u.Dampening);
        bool decay = u.WeightDecay != 0, momentum = u.Momentum != 0;
        for (nint i = 0; i < count; i++)
        {
            T p = param[i], g = grad[i];
            if (decay) g += wd * p;
            if (momentum)
            {
                T b = u.FirstStep ? g : mu * buffer[i] + keep * g;
                buffer[i] = b;
                g = u.Nesterov ? g + mu * b : b;
            }
            param[i] = p - lr * g;
        }
    }

    public static void Adam(T* param, T* grad, T* m, T* v, T* vMax, nint count, in AdamUpdate u)
    {
        var c = AdamConstants.Of(u);
        T stepSize = Of(c.StepSize), invRoot = Of(c.InverseRootCorrection2), eps = Of(u.Epsilon);
        T b1 = Of(u.Beta1), b2 = Of(u.Beta2), rest1 = Of(1 - u.Beta1), rest2 = Of(1 - u.Beta2);
        T wd = Of(u.WeightDecay), shrink = Of(c.Shrink);
        bool coupled = u.WeightDecay != 0 && !u.Decoupled, decoupled = u.WeightDecay != 0 && u.Decoupled;
        for (nint i = 0; i < count; i++)
        {
            T p = param[i], g = grad[i];
            if (coupled) g += wd * p;
            if (decoupled) p *= shrink;
            T mi = b1 * m[i] + rest1 * g;
            T vi = b2 * v[i] + rest2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            if (vMax != null)
            {
                vi = T.Max(vMax[i], vi);
                vMax[i] = vi;
            }
            T denom = T.Sqrt(vi) * invRoot + eps;
            param[i] = p - stepSize * (mi / denom);
        }
    }

    public static void RmsProp(T* param, T* grad, T* square, T* mean, T* buffer, nint count, in RmsPropUpdate u)
    {
        T lr = Of(u.LearningRate), alpha = Of(u.Alpha), rest = Of(1 - u.Alpha), eps = Of(u.Epsilon);
        T wd = Of(u.WeightDecay), mu = Of(u.Momentum);
        bool decay = u.WeightDecay != 0;
        for (nint i = 0; i < count; i++)
        {
            T p = param[i], g = grad[i];
            if (decay) g += wd * p;
            T s = alpha * square[i] + rest * (g * g);
            square[i] = s;
            if (mean != null)
            {
                T gm = alpha * mean[i] + rest * g;
                mean[i] = gm;
                s -= gm * gm;
            }
            T step = g / (T.Sqrt(s) + eps);
            if (buffer != null)
            {
                step = mu * buffer[i] + step;
                buffer[i] = step;
            }
            param[i] = p - lr * step;
        }
    }

    public static void Adagrad(T* param, T* grad, T* sum, nint count, in AdagradUpdate u)
    {
        T lr = Of(u.LearningRate), eps = Of(u.Epsilon), wd = Of(u.WeightDecay);
        bool decay = u.WeightDecay != 0;
        for (nint i = 0; i < count; i++)
        {
            T p = param[i], g = grad[i];
            if (decay) g += wd * p;
            T s = sum[i] + g * g;
            sum[i] = s;
            param[i] = p - lr * (g / (T.Sqrt(s) + eps));
        }
    }

    /// <summary>Σ x² accumulated in double.</summary>
    public static double SumOfSquares(T* x, nint count)
    {
        double sum = 0;
        for (nint i = 0; i < count; i++)
        {
            double value = double.CreateTruncating(x[i]);
            sum += value * value;
        }
        return sum;
    }

    public static void Clamp(T* x, nint count, T min, T max)
    {
        // Max then Min, as the vector path: NaN stays NaN.
        for (nint i = 0; i < count; i++) x[i] = T.Min(T.Max(x[i], min), max);
    }

    public static void Scale(T* x, nint count, T factor)
    {
        for (nint i = 0; i < count; i++) x[i] *= factor;
    }
}

/// <summary>The per-step constants of Adam, computed once in double.</summary>
internal readonly record struct AdamConstants(double StepSize, double InverseRootCorrection2, double Shrink)
{
    public static AdamConstants Of(in AdamUpdate u)
    {
        double correction1 = 1 - Math.Pow(u.Beta1, u.Step);
        double correction2 = 1 - Math.Pow(u.Beta2, u.Step);
        return new(u.LearningRate / correction1, 1 / Math.Sqrt(correction2), 1 - u.LearningRate * u.WeightDecay);
    }
}
