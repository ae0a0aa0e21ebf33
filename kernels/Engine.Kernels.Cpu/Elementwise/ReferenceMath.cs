namespace Engine.Kernels.Cpu;

/// <summary>
/// Double-precision scalar functions that <see cref="Math"/> lacks or computes with cancellation; they
/// back the <see cref="Unary.Reference{T}"/> oracle and the scalar path, so they favour accuracy over speed.
/// </summary>
internal static class ReferenceMath
{
    /// <summary>e^x − 1 without cancellation (Kahan: (u − 1)·x / ln u).</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsInfinity(u)) return um1;
        return um1 * x / Math.Log(u);
    }

    /// <summary>log(1 + t) with the rounding of 1 + t corrected.</summary>
    public static double Log1p(double t)
    {
        double u = 1.0 + t;
        if (u == 1.0) return t;
        if (double.IsInfinity(u)) return u;
        return Math.Log(u) * (t / (u - 1.0));
    }

    /// <summary>Standard normal upper tail Q(t) = Φ(−t) = erfc(t/√2)/2, to near double precision.</summary>
    public static double NormalUpperTail(double t)
    {
        if (double.IsNaN(t)) return t;
        if (t < 0) return 1.0 - NormalUpperTail(-t);
        if (t > 40) return 0.0; // below the smallest double
        double z = t / Math.Sqrt(2.0);
        return z < 1.5 ? 0.5 * (1.0 - ErfBySeries(z)) : 0.5 * ErfcByContinuedFraction(t, z);
    }

    /// <summary>Standard normal CDF Φ(x).</summary>
    public static double NormalCdf(double x) => x < 0 ? NormalUpperTail(-x) : 1.0 - NormalUpperTail(x);

    // erf(z) = 2/√π·e^−z²·Σ 2^k z^(2k+1)/(1·3·…·(2k+1)): all terms positive, so no cancellation.
    private static double ErfBySeries(double z)
    {
        double term = z, sum = z, z2 = z * z;
        for (int k = 1; k < 200 && term > 1e-18 * sum; k++)
        {
            term *= 2 * z2 / (2 * k + 1);
            sum += term;
        }
        return 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-z2) * sum;
    }

    // erfc(z) = e^−z²/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …)))) by modified Lentz; e^−t²/2 with t² split
    // exactly, so the tail keeps relative accuracy for large t.
    private static double ErfcByContinuedFraction(double t, double z)
    {
        const double tiny = 1e-300;
        double f = z, c = z, d = 0;
        for (int n = 1; n < 5000; n++)
        {
            double a = n * 0.5;
            d = z + a * d; d = Math.Abs(d) < tiny ? tiny : d; d = 1 / d;
            c = z + a / c; c = Math.Abs(c) < tiny ? tiny : c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-17) break;
        }
        double hi = t * t, lo = Math.FusedMultiplyAdd(t, t, -hi);
        double gaussian = Math.Exp(-0.5 * hi) * (1 - 0.5 * lo);
        return gaussian / (Math.Sqrt(Math.PI) * f);
    }
}
