using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Vectorised transcendentals written once for every vector width (<typeparamref name="TS"/>) and element
/// type (<typeparamref name="T"/> = float or double): range reduction plus a polynomial from
/// <see cref="MathCoefficients{T}"/>, with no per-element calls into <see cref="Math"/>.
/// </summary>
internal static class VectorMath<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>
{
    private static bool IsFloat => typeof(T) == typeof(float);

    /// <summary>Exponent added to e^x before a division so a subnormal result is rounded only once.</summary>
    private static int GuardExponent => IsFloat ? 32 : 64;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV C(double value)
    {
        if (typeof(T) == typeof(float)) { float f = (float)value; return TS.Splat(Unsafe.As<float, T>(ref f)); }
        return TS.Splat(Unsafe.As<double, T>(ref value));
    }

    /// <summary>Horner evaluation of Σ c[i]·x^i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Polynomial(TV x, ReadOnlySpan<T> c)
    {
        TV r = TS.Splat(c[^1]);
        for (int i = c.Length - 2; i >= 0; i--)
            r = TS.Fma(r, x, TS.Splat(c[i]));
        return r;
    }

    /// <summary>Nearest integer of v (|v| well below 2^22), by the add-the-shift trick.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV RoundShifted(TV v) => TS.Add(v, C(IsFloat ? FloatBits.Shift : DoubleBits.Shift));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Unshift(TV shifted) => TS.Sub(shifted, C(IsFloat ? FloatBits.Shift : DoubleBits.Shift));

    /// <summary>Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2; ln2 split so n·ln2_hi is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ReduceByLn2(TV x, out TV n)
    {
        n = Unshift(TS.Fma(x, C(1.4426950408889634), C(IsFloat ? FloatBits.Shift : DoubleBits.Shift)));
        TV r = TS.Fma(n, C(IsFloat ? -0.69140625 : -0.6931471803691238), x);
        return TS.Fma(n, C(IsFloat ? -0.0017409306019544601 : -1.9082149292705877e-10), r);
    }

    /// <summary>e^r − 1 for |r| ≤ ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpM1Reduced(TV r) => TS.Fma(TS.Mul(r, r), Polynomial(r, MathCoefficients<T>.ExpM1Tail), r);

    /// <summary>
    /// p·2^n for n integral in [−220, 160] (float) / [−1600, 1100] (double): two factors, so a subnormal
    /// result is rounded once and an overflowing one becomes +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ScaleByPow2(TV p, TV n)
    {
        TV half = RoundShifted(TS.Mul(n, C(0.5)));
        TV rest = TS.Sub(n, Unshift(half));
        return TS.Mul(TS.Mul(p, TS.Pow2OfShifted(half)), TS.Pow2OfShifted(RoundShifted(rest)));
    }

    /// <summary>
    /// Argument clamp that keeps e^x's reduction in range; NaN is restored by the caller. The lower bound
    /// lies far enough below the underflow threshold that e^x·2^GuardExponent is still 0 there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ClampExpArgument(TV x) =>
        TS.MaxFast(TS.MinFast(x, C(IsFloat ? 89.0 : 710.0)), C(IsFloat ? -150.0 : -1100.0));

    /// <summary>e^x·2^k: overflow → +∞, underflow → subnormal/0, NaN → NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpScaled(TV x, int k)
    {
        TV r = ReduceByLn2(ClampExpArgument(x), out TV n);
        if (k != 0) n = TS.Add(n, C(k));
        TV e = ScaleByPow2(TS.Add(ExpM1Reduced(r), C(1.0)), n);
        return TS.Select(TS.IsNaN(x), x, e);
    }

    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x) => ExpScaled(x, 0);

    /// <summary>
    /// e^x − 1 for x ≤ 0 (what ELU needs): 2^n·q + (2^n − 1) avoids the cancellation of e^x − 1.
    /// Lanes with x &gt; 0 get meaningless values (callers select them away); NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpM1OfNonPositive(TV x)
    {
        // Below −30 (float) / −40 (double) e^x − 1 is −1 to the last bit; clamping keeps 2^n normal.
        TV clamped = TS.MaxFast(x, C(IsFloat ? -30.0 : -40.0));
        TV r = ReduceByLn2(clamped, out TV n);
        TV pow2 = TS.Pow2OfShifted(RoundShifted(n));
        TV e = TS.Fma(pow2, ExpM1Reduced(r), TS.Sub(pow2, C(1.0)));
        return TS.Select(TS.IsNaN(x), x, e);
    }

    /// <summary>Natural logarithm: log(0) = −∞, log(x &lt; 0) = NaN, subnormal inputs handled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log(TV x)
    {
        // Scale subnormals into the normal range first; the split below reads the exponent field.
        TV tiny = TS.LessThan(x, C(IsFloat ? 1.1754943508222875e-38 : 2.2250738585072014e-308));
        TV scaled = TS.Select(tiny, TS.Mul(x, C(IsFloat ? 16777216.0 : 18014398509481984.0)), x);
        TV m = TS.SplitMantissa(scaled, out TV e);
        e = TS.Sub(e, TS.And(tiny, C(IsFloat ? 24.0 : 54.0)));
        // log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716.
        TV f = TS.Sub(m, C(1.0));
        TV s = TS.Div(f, TS.Add(m, C(1.0)));
        TV logM = TS.Mul(TS.Add(s, s), Polynomial(TS.Mul(s, s), MathCoefficients<T>.AtanhOverS));
        TV result = TS.Fma(e, C(IsFloat ? 0.69140625 : 0.6931471803691238),
            TS.Fma(e, C(IsFloat ? 0.0017409306019544601 : 1.9082149292705877e-10), logM));
        return FixLogSpecials(x, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV FixLogSpecials(TV x, TV result)
    {
        TV zero = C(0.0);
        result = TS.Select(TS.Equal(x, zero), C(double.NegativeInfinity), result);
        result = TS.Select(TS.Equal(x, C(double.PositiveInfinity)), x, result);
        return TS.Select(TS.Or(TS.LessThan(x, zero), TS.IsNaN(x)), C(double.NaN), result);
    }

    /// <summary>log(1 + t) for t ≥ 0, with the rounding of 1 + t corrected to first order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Log1pOfNonNegative(TV t)
    {
        TV u = TS.Add(t, C(1.0));
        TV correction = TS.Div(TS.Sub(t, TS.Sub(u, C(1.0))), u);
        return TS.Add(Log(u), correction);
    }

    /// <summary>Copies the sign of x onto a non-negative (or NaN) magnitude.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV WithSignOf(TV magnitude, TV x) => TS.Or(magnitude, TS.And(x, C(-0.0)));

    /// <summary>tanh: odd polynomial below 0.55, (1 − e^−2a)/(1 + e^−2a) above; saturates to ±1, keeps −0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh(TV x)
    {
        TV a = TS.Abs(x);
        TV a2 = TS.Mul(a, a);
        TV small = TS.Fma(TS.Mul(a, a2), Polynomial(a2, MathCoefficients<T>.TanhTail), a);
        TV t = Exp(TS.Mul(a, C(-2.0)));
        TV large = TS.Div(TS.Sub(C(1.0), t), TS.Add(C(1.0), t));
        return WithSignOf(TS.Select(TS.LessThan(a, C(0.55)), small, large), x);
    }

    /// <summary>
    /// The pieces of σ(x) without cancellation: d = 1/(1 + e^−|x|) and tScaled = e^−|x|·2^GuardExponent.
    /// σ(x) = d for x ≥ 0 and t·d for x &lt; 0; the guard keeps t·d from being rounded as a subnormal twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV SigmoidParts(TV x, out TV tScaled)
    {
        tScaled = ExpScaled(TS.Neg(TS.Abs(x)), GuardExponent);
        TV t = TS.Mul(tScaled, C(Math.ScaleB(1.0, -GuardExponent)));
        return TS.Div(C(1.0), TS.Add(C(1.0), t));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Unguard(TV v) => TS.Mul(v, C(Math.ScaleB(1.0, -GuardExponent)));

    /// <summary>σ(x) = 1/(1 + e^−x), stable for both signs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid(TV x)
    {
        TV d = SigmoidParts(x, out TV tScaled);
        return TS.Select(TS.LessThan(x, C(0.0)), Unguard(TS.Mul(tScaled, d)), d);
    }

    /// <summary>SiLU x·σ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Silu(TV x)
    {
        TV d = SigmoidParts(x, out TV tScaled);
        return TS.Select(TS.LessThan(x, C(0.0)), Unguard(TS.Mul(x, TS.Mul(tScaled, d))), TS.Mul(x, d));
    }

    /// <summary>softplus log(1 + e^x) = max(x, 0) + log1p(e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus(TV x) =>
        TS.Add(TS.MaxFast(x, C(0.0)), Log1pOfNonNegative(Exp(TS.Neg(TS.Abs(x)))));

    /// <summary>ELU: x for x &gt; 0, α·(e^x − 1) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Elu(TV x, TV alpha) =>
        TS.Select(TS.GreaterThan(x, C(0.0)), x, TS.Mul(alpha, ExpM1OfNonPositive(x)));

    /// <summary>
    /// Q(t)·2^GuardExponent for t = |x| ≥ 0, Q(t) = Φ(−t) = s·exp(−t²/2 + P(s − c)), s = 1/(1 + t/√8).
    /// t² is split exactly (hi + lo) and the exponent sum carried as a two-sum, so the large −t²/2 adds no
    /// rounding to the result: without it float would lose ~t²·2^−24 relative accuracy in the tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV NormalTailScaled(TV t)
    {
        t = TS.MinFast(t, C(MathCoefficients<T>.NormalTailLimit));
        TV s = TS.Div(C(1.0), TS.Fma(t, C(0.35355339059327373), C(1.0)));
        TV p = Polynomial(TS.Sub(s, C(MathCoefficients<T>.NormalTailCentre)), MathCoefficients<T>.NormalTail);
        TV hi = TS.Mul(t, t);
        TV lo = TS.Fma(t, t, TS.Neg(hi));
        TV a = TS.Mul(hi, C(-0.5));
        TV b = TS.Fma(lo, C(-0.5), p);
        TV sum = TS.Add(a, b);
        TV bPart = TS.Sub(sum, a);
        TV error = TS.Add(TS.Sub(a, TS.Sub(sum, bPart)), TS.Sub(b, bPart));
        TV r = ReduceByLn2(sum, out TV n);
        TV e = ScaleByPow2(TS.Add(ExpM1Reduced(TS.Add(r, error)), C(1.0)), TS.Add(n, C(GuardExponent)));
        return TS.Mul(s, e);
    }

    /// <summary>GELU x·Φ(x) (exact erf form): x·Q(|x|) for x &lt; 0, x·(1 − Q(x)) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Gelu(TV x)
    {
        TV qScaled = NormalTailScaled(TS.Abs(x));
        TV negative = Unguard(TS.Mul(x, qScaled));
        TV positive = TS.Mul(x, TS.Sub(C(1.0), Unguard(qScaled)));
        return TS.Select(TS.LessThan(x, C(0.0)), negative, positive);
    }

    /// <summary>GELU, tanh approximation: 0.5x(1 + tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV GeluTanh(TV x)
    {
        TV x2 = TS.Mul(x, x);
        TV twoU = TS.Mul(TS.Mul(x, C(2 * 0.7978845608028654)), TS.Fma(x2, C(0.044715), C(1.0)));
        return TS.Mul(x, Sigmoid(twoU));
    }
}
