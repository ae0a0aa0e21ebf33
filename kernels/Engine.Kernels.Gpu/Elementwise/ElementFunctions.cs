namespace Engine.Kernels.Gpu;

/// <summary>
/// Scalar building blocks of the kernels, generic over the element arithmetic; they mirror the CPU scalar
/// references (Math.Max/Min NaN rules, Kahan's e^x − 1, corrected log(1 + t)) so the GPU agrees with them.
/// </summary>
internal static class ElementFunctions
{
    /// <summary>max(a, b) as <see cref="Math.Max(double, double)"/>: NaN if either is NaN, +0 over −0.</summary>
    public static T Max<T, TMath>(T a, T b) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        if (m.IsNaN(a)) return a;
        if (m.IsNaN(b)) return b;
        if (m.Equal(a, b)) return m.Equal(a, m.Constant(0)) ? m.Add(a, b) : a; // +0 + −0 = +0
        return m.Less(a, b) ? b : a;
    }

    /// <summary>min(a, b) as <see cref="Math.Min(double, double)"/>: NaN if either is NaN, −0 under +0.</summary>
    public static T Min<T, TMath>(T a, T b) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        if (m.IsNaN(a)) return a;
        if (m.IsNaN(b)) return b;
        if (m.Equal(a, b)) return m.Equal(a, m.Constant(0)) ? m.Neg(m.Add(m.Neg(a), m.Neg(b))) : a; // −(−a + −b) keeps −0
        return m.Less(a, b) ? a : b;
    }

    /// <summary>Logistic σ(x), written so neither branch overflows.</summary>
    public static T Sigmoid<T, TMath>(T x) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        T one = m.Constant(1);
        if (m.LessEqual(m.Constant(0), x)) return m.Div(one, m.Add(one, m.Exp(m.Neg(x))));
        T e = m.Exp(x);
        return m.Div(e, m.Add(one, e));
    }

    /// <summary>e^x − 1 without cancellation (Kahan: (u − 1)·x / ln u), as the CPU reference.</summary>
    public static T ExpM1<T, TMath>(T x) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        T one = m.Constant(1);
        T u = m.Exp(x);
        if (m.Equal(u, one)) return x;
        T um1 = m.Sub(u, one);
        if (m.Equal(um1, m.Neg(one)) || m.Equal(u, m.Constant(double.PositiveInfinity))) return um1;
        return m.Div(m.Mul(um1, x), m.Log(u));
    }

    /// <summary>log(1 + t) with the rounding of 1 + t corrected, as the CPU reference.</summary>
    public static T Log1p<T, TMath>(T t) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        T one = m.Constant(1);
        T u = m.Add(one, t);
        if (m.Equal(u, one)) return t;
        if (m.Equal(u, m.Constant(double.PositiveInfinity))) return u;
        return m.Mul(m.Log(u), m.Div(t, m.Sub(u, one)));
    }

    /// <summary>
    /// erfc(z) by the Chebyshev fit of Numerical Recipes (relative error below 1.2e-7 everywhere): XMath has no
    /// erf, and this is accurate enough for float and within the kernels' double error bound.
    /// </summary>
    public static T Erfc<T, TMath>(T z) where T : unmanaged where TMath : struct, IGpuScalarMath<T>
    {
        TMath m = default;
        T a = m.Abs(z);
        T t = m.Div(m.Constant(1), m.Add(m.Constant(1), m.Mul(m.Constant(0.5), a)));
        T p = m.Constant(0.17087277);
        p = m.Add(m.Constant(-0.82215223), m.Mul(t, p));
        p = m.Add(m.Constant(1.48851587), m.Mul(t, p));
        p = m.Add(m.Constant(-1.13520398), m.Mul(t, p));
        p = m.Add(m.Constant(0.27886807), m.Mul(t, p));
        p = m.Add(m.Constant(-0.18628806), m.Mul(t, p));
        p = m.Add(m.Constant(0.09678418), m.Mul(t, p));
        p = m.Add(m.Constant(0.37409196), m.Mul(t, p));
        p = m.Add(m.Constant(1.00002368), m.Mul(t, p));
        p = m.Add(m.Constant(-1.26551223), m.Mul(t, p));
        T tail = m.Mul(t, m.Exp(m.Sub(p, m.Mul(a, a))));
        return m.Less(z, m.Constant(0)) ? m.Sub(m.Constant(2), tail) : tail;
    }
}
