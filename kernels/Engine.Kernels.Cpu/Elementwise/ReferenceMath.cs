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

    /// <summary>
    /// factor·Q(t), Q(t) = Φ(−t) = erfc(t/√2)/2 the standard normal upper tail, to near double precision.
    /// The factor goes in before the last rounding, so a subnormal product is rounded only once.
    /// </summary>
    public static double NormalUpperTail(double t, double factor = 1.0)
    {
        if (double.IsNaN(t)) return t;
        if (t < 0) return factor * (1.0 - NormalUpperTail(-t));
        if (t > 40) return factor * 0.0; // below the smallest double
        double z = t / Math.Sqrt(2.0);
        return z < 1.5 ? factor * 0.5 * (1.0 - ErfBySeries(z)) : ErfcByContinuedFraction(t, z, 0.5 * factor);
    }

    /// <summary>GELU x·Φ(x), with the tail's subnormal results rounded once.</summary>
    public static double Gelu(double x) => x < 0 ? NormalUpperTail(-x, x) : x * (1.0 - NormalUpperTail(x));

    /// <summary>SiLU x·σ(x); for x &lt; 0 as (x·e^(x/2)/(1 + e^x))·e^(x/2) so a subnormal result is rounded once.</summary>
    public static double Silu(double x)
    {
        if (x >= 0 || double.IsNaN(x)) return x / (1.0 + Math.Exp(-x));
        double half = Math.Exp(0.5 * x);
        return x * half / (1.0 + Math.Exp(x)) * half;
    }

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

    // factor·erfc(z) = factor·e^−z²/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …)))) by modified Lentz; e^−t²/2 with
    // t² split exactly, so the tail keeps relative accuracy for large t.
    private static double ErfcByContinuedFraction(double t, double z, double factor)
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
        double quarter = Math.Exp(-0.25 * hi); // e^(−t²/2) = quarter², each factor still normal
        return factor * (1 - 0.5 * lo) / (Math.Sqrt(Math.PI) * f) * quarter * quarter;
    }
}
