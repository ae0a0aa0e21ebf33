using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Vectorised transcendentals written once for every vector width (<typeparamref name="TS"/>) and element
/// type (<typeparamref name="T"/> = float or double): range reduction plus a polynomial from
/// <see cref="MathCoefficients{T}"/>, with no per-element calls into <see cref="Math"/>.
/// </summary>
/// <remarks>
/// NaN: clamps are written MinFast(bound, x) / MaxFast(bound, x), whose x86 rule returns the second
/// operand when either is NaN, so a NaN input flows through the arithmetic and comes out NaN without a
/// separate fix-up (checked on every path by the special-value tests).
/// </remarks>
internal static class VectorMath<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>
{
    /// <summary>Exponent added to e^x before a product that may be subnormal, so it is rounded only once.</summary>
    private static int GuardExponent => typeof(T) == typeof(float) ? 32 : 64;

    /// <summary>
    /// GELU's guard: large enough that 2^(n + guard) stays normal over the whole fitted tail (n ≥ −158 in
    /// float, −1090 in double), so its exponential never needs the two-step scaling.
    /// </summary>
    private static int GeluGuardExponent => typeof(T) == typeof(float) ? 40 : 80;

    /// <summary>A broadcast constant: <paramref name="value"/> rounded to T.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV C(double value)
    {
        if (typeof(T) == typeof(float)) { float f = (float)value; return TS.Splat(Unsafe.As<float, T>(ref f)); }
        return TS.Splat(Unsafe.As<double, T>(ref value));
    }

    /// <summary>A broadcast constant with separate float and double values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV C(float forFloat, double forDouble) => C(typeof(T) == typeof(float) ? forFloat : forDouble);

    /// <summary>
    /// Σ c[i]·x^i by second-order Horner: two coefficients per step, r = r·x² + (c[i+1]·x + c[i]), which
    /// halves the dependent FMA chain (the latency bound of a polynomial) and the loop overhead. A plain
    /// loop, not unrolled code: unrolled, the kernels outgrow the JIT's inlining budget.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Polynomial(TV x, ReadOnlySpan<T> c)
    {
        // Unchecked reads: the JIT cannot prove the stepped-by-two indices in range, and a bounds check per
        // coefficient costs as much as the FMA it guards.
        ref T c0 = ref MemoryMarshal.GetReference(c);
        int i = c.Length - 1;
        TV r = TS.Splat(Unsafe.Add(ref c0, i));
        if ((c.Length & 1) == 0)
            r = TS.Fma(r, x, TS.Splat(Unsafe.Add(ref c0, --i)));
        TV x2 = TS.Mul(x, x);
        for (i -= 2; i >= 0; i -= 2)
            r = TS.Fma(r, x2, TS.Fma(TS.Splat(Unsafe.Add(ref c0, i + 1)), x, TS.Splat(Unsafe.Add(ref c0, i))));
        return r;
    }

    private static TV Shift => C(FloatBits.Shift, DoubleBits.Shift);

    /// <summary>
    /// Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2; ln2 is split so n·ln2_hi is exact. Also returns
    /// (n + k) + 1.5·2^p ("shifted"), whose low bits hold n + k for <see cref="ISimd{TV,T}.Pow2OfShifted"/>:
    /// a scale 2^k rides along for free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ReduceByLn2(TV x, int k, out TV n, out TV shifted) => ReduceByLn2(x, x, k, out n, out shifted);

    /// <summary>Reduction of x with n chosen from <paramref name="approximation"/> (≈ x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ReduceByLn2(TV x, TV approximation, int k, out TV n, out TV shifted)
    {
        TV shiftPlusK = C(typeof(T) == typeof(float) ? FloatBits.Shift + k : DoubleBits.Shift + k);
        shifted = TS.Fma(approximation, C(1.4426950408889634), shiftPlusK);
        n = TS.Sub(shifted, shiftPlusK);
        TV r = TS.Fma(n, C(-0.69140625f, -0.6931471803691238), x);
        return TS.Fma(n, C(-0.0017409306019544601f, -1.9082149292705877e-10), r);
    }

    /// <summary>e^r − 1 for |r| ≤ ln2/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpM1Reduced(TV r) => TS.Fma(TS.Mul(r, r), Polynomial(r, MathCoefficients<T>.ExpM1Tail), r);

    /// <summary>
    /// p·2^m (shifted = m + shift). One exponent-field product when every lane's 2^m is normal; otherwise
    /// (rare: results near overflow or subnormal) two half-size factors, so a subnormal result is rounded
    /// once and an overflowing one becomes +∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ScaleByPow2(TV p, TV shifted)
    {
        TV m = TS.Sub(shifted, Shift);
        if (!TS.Any(TS.GreaterThan(TS.Abs(m), C(126f, 1022.0))))
            return TS.Mul(p, TS.Pow2OfShifted(shifted));
        return ScaleByPow2InTwoSteps(p, m);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV ScaleByPow2InTwoSteps(TV p, TV n)
    {
        TV half = TS.Add(TS.Mul(n, C(0.5)), Shift);
        TV rest = TS.Add(TS.Sub(n, TS.Sub(half, Shift)), Shift);
        return TS.Mul(TS.Mul(p, TS.Pow2OfShifted(half)), TS.Pow2OfShifted(rest));
    }

    /// <summary>
    /// e^x: overflow → +∞, underflow → subnormal/0 (rounded once), NaN → NaN. The argument is clamped to
    /// [−150, 89] (double [−1100, 710]), beyond which the result is 0 or +∞ anyway; NaN passes the clamp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x)
    {
        TV clamped = TS.MaxFast(C(-150f, -1100.0), TS.MinFast(C(89f, 710.0), x));
        TV r = ReduceByLn2(clamped, 0, out _, out TV shifted);
        return ScaleByPow2(TS.Add(ExpM1Reduced(r), C(1.0)), shifted);
    }

    /// <summary>
    /// e^x − 1 for x ≤ 0 (what ELU and tanh need): 2^n·q + (2^n − 1) avoids the cancellation of e^x − 1.
    /// Lanes with x &gt; 0 get meaningless values (callers select them away); NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpM1OfNonPositive(TV x)
    {
        // Below −30 (float) / −40 (double) e^x − 1 is −1 to the last bit; clamping keeps 2^n normal.
        TV r = ReduceByLn2(TS.MaxFast(C(-30f, -40.0), x), 0, out _, out TV shifted);
        TV pow2 = TS.Pow2OfShifted(shifted);
        return TS.Fma(pow2, ExpM1Reduced(r), TS.Sub(pow2, C(1.0)));
    }

    /// <summary>Natural logarithm: log(0) = −∞, log(x &lt; 0) = NaN, subnormal inputs handled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log(TV x)
    {
        TV positiveNormal = TS.And(TS.LessOrEqual(C(1.1754943508222875e-38f, 2.2250738585072014e-308), x),
            TS.LessThan(x, C(double.PositiveInfinity)));
        if (TS.Any(TS.Equal(positiveNormal, C(0.0))))
            return LogOfAnyValue(x);
        return LogOfPositiveNormal(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LogOfPositiveNormal(TV x)
    {
        TV m = TS.SplitMantissa(x, out TV e);
        return LogOfSplit(m, e);
    }

    /// <summary>log m + e·ln2 with log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LogOfSplit(TV m, TV e)
    {
        TV s = TS.Div(TS.Sub(m, C(1.0)), TS.Add(m, C(1.0)));
        TV logM = TS.Mul(TS.Add(s, s), Polynomial(TS.Mul(s, s), MathCoefficients<T>.AtanhOverS));
        return TS.Fma(e, C(0.69140625f, 0.6931471803691238),
            TS.Fma(e, C(0.0017409306019544601f, 1.9082149292705877e-10), logM));
    }

    /// <summary>The slow path of <see cref="Log"/>: subnormals scaled up first, then 0, ∞, negatives and NaN.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV LogOfAnyValue(TV x)
    {
        TV tiny = TS.LessThan(x, C(1.1754943508222875e-38f, 2.2250738585072014e-308));
        TV scaled = TS.Select(tiny, TS.Mul(x, C(16777216f, 18014398509481984.0)), x);
        TV m = TS.SplitMantissa(scaled, out TV e);
        TV result = LogOfSplit(m, TS.Sub(e, TS.And(tiny, C(24f, 54.0))));
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

    /// <summary>Sets the sign of x on a magnitude whose sign bit is clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV WithSignOf(TV magnitude, TV x) => TS.Or(magnitude, TS.And(x, C(-0.0)));

    /// <summary>
    /// tanh x = sign(x)·|E/(2 + E)| with E = e^(−2|x|) − 1: one formula for every |x|, no cancellation near 0
    /// (E comes from expm1), saturating to ±1 once E = −1; keeps −0 and NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh(TV x)
    {
        TV e = ExpM1OfNonPositive(TS.Mul(TS.Abs(x), C(-2.0)));
        return WithSignOf(TS.Abs(TS.Div(e, TS.Add(e, C(2.0)))), x);
    }

    /// <summary>
    /// e^x·2^GuardExponent for x ≤ 0 (NaN passes), without range checks: the argument is clamped where
    /// 2^(n + guard) is still normal (x ≥ −109 in float, −752 in double), below which every caller's result
    /// rounds to 0 anyway. The guard keeps subnormal e^x exact until the caller's last operation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpOfNonPositiveGuarded(TV x)
    {
        TV r = ReduceByLn2(TS.MaxFast(C(-109f, -752.0), x), GuardExponent, out _, out TV shifted);
        TV pow2 = TS.Pow2OfShifted(shifted);
        return TS.Fma(ExpM1Reduced(r), pow2, pow2);
    }

    /// <summary>−|x| (sign bit set; NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV NegativeAbs(TV x) => TS.Or(x, C(-0.0));

    /// <summary>
    /// σ(x) = 1/(1 + t) for x ≥ 0 and t/(1 + t) for x &lt; 0, t = e^−|x|: no overflow, no cancellation. With
    /// t carried as tS = t·2^g both are one division, 2^g/(2^g + tS) and tS/(2^g + tS), rounded once even
    /// where the result is subnormal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid(TV x)
    {
        TV tScaled = ExpOfNonPositiveGuarded(NegativeAbs(x));
        TV guard = C(Math.ScaleB(1.0, GuardExponent));
        return TS.Div(TS.Select(TS.LessThan(x, C(0.0)), tScaled, guard), TS.Add(tScaled, guard));
    }

    /// <summary>
    /// SiLU x·σ(x): x/(1 + t) for x ≥ 0, (x·tS)/(2^g + tS) for x &lt; 0 (t = e^−|x| = tS·2^−g), so the
    /// subnormal results around x ∈ [−103, −87] are rounded once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Silu(TV x)
    {
        TV tScaled = ExpOfNonPositiveGuarded(NegativeAbs(x));
        TV guard = C(Math.ScaleB(1.0, GuardExponent));
        TV negative = TS.LessThan(x, C(0.0));
        // Past the exp clamp tS stops shrinking, so it is zeroed there (the result rounds to 0 anyway):
        // x·tS must not grow with |x|, and −∞·0 gives NaN like x·σ(x).
        TV inRange = TS.LessThan(C(-110f, -753.0), x);
        TV numerator = TS.Select(negative, TS.Mul(x, TS.And(tScaled, inRange)), x);
        TV denominator = TS.Select(negative, TS.Add(tScaled, guard), TS.Fma(tScaled, C(Math.ScaleB(1.0, -GuardExponent)), C(1.0)));
        return TS.Div(numerator, denominator);
    }

    /// <summary>softplus log(1 + e^x) = max(x, 0) + log1p(e^−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Softplus(TV x) =>
        TS.Add(TS.MaxFast(x, C(0.0)),
            Log1pOfNonNegative(TS.Mul(ExpOfNonPositiveGuarded(NegativeAbs(x)), C(Math.ScaleB(1.0, -GuardExponent)))));

    /// <summary>ELU: x for x &gt; 0, α·(e^x − 1) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Elu(TV x, TV alpha) =>
        TS.Select(TS.GreaterThan(x, C(0.0)), x, TS.Mul(alpha, ExpM1OfNonPositive(x)));

    /// <summary>
    /// Q(t)·2^GeluGuardExponent for t = |x| ≥ 0 (0 beyond the fitted range and for NaN), with
    /// Q(t) = Φ(−t) = s·exp(−t²/2 + P(s − c)), s = 1/(1 + t/√8). t² is split exactly, t² = hi + lo, and
    /// the reduction is applied to the exact −hi/2 with the small rest added to r afterwards, so the large
    /// −t²/2 adds no rounding: without it float would lose ~t²·2^−24 relative accuracy in the tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV NormalTailScaled(TV t)
    {
        TV inRange = TS.LessThan(t, C(MathCoefficients<T>.NormalTailLimit));
        TV s = TS.Div(C(1.0), TS.Fma(t, C(0.35355339059327373), C(1.0)));
        TV p = Polynomial(TS.Sub(s, C(MathCoefficients<T>.NormalTailCentre)), MathCoefficients<T>.NormalTail);
        TV hi = TS.Mul(t, t);
        TV lo = TS.Fma(t, t, TS.Neg(hi));
        TV a = TS.Mul(hi, C(-0.5));
        TV b = TS.Fma(lo, C(-0.5), p);
        // n from a + b; a − n·ln2_hi is exact, so only the small remainder sees b's rounding.
        TV r = TS.Add(ReduceByLn2(a, TS.Add(a, b), GeluGuardExponent, out _, out TV shifted), b);
        TV e = TS.Mul(TS.Add(ExpM1Reduced(r), C(1.0)), TS.Pow2OfShifted(shifted));
        return TS.And(TS.Mul(s, e), inRange);
    }

    /// <summary>
    /// GELU x·Φ(x) (exact erf form) = x·Q(|x|) for x &lt; 0, x·(1 − Q(x)) otherwise. In the negative branch
    /// Q keeps its 2^guard factor until after the product with x, so a subnormal result is rounded once.
    /// Q = 0 beyond the fitted range makes gelu(−∞) = −∞·0 = NaN, as x·Φ(x) is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Gelu(TV x)
    {
        if (!MathCoefficients<T>.HasGeluCentral)
            return GeluWide(x);
        return GeluWithCentralRange(x);
    }

    /// <summary>
    /// The central formula for every lane, and the wide one only where a lane lies below −limit (or is −∞):
    /// one vector-wide test skips it otherwise. Not inlined: the JIT's inlining budget is per compiled method, and the central formula
    /// fits it whole only as a method of its own (inlined into the loop, it would be left half-inlined).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV GeluWithCentralRange(TV x)
    {
        TV central = GeluCentral(x);
        TV below = TS.LessThan(x, C(-MathCoefficients<T>.GeluCentralLimit));
        // Lane by lane, so a lane's result never depends on its neighbours (same bits however the row is split).
        return TS.Any(below) ? TS.Select(below, GeluWideOutOfLine(x), central) : central;
    }

    /// <summary>
    /// GELU for lanes x ≥ −limit: Q(t) = ½·exp(−t²/2 + t·P(t − c)), t = min(|x|, limit), with no division and
    /// no range checks in the exponential (its argument stays in [−17, 0]). The kernel is bound by its
    /// dependency chain, so it is written for latency: n comes from a quadratic estimate of the exponent
    /// (within 0.055, computed alongside P rather than after it; |r| ≤ 0.40, one more coefficient in e^r),
    /// both polynomials go by Estrin, and the small rest of the reduction multiplies 2^n off the chain.
    /// −t²/2 = a + lo exactly (FMA); ln2 is split at 19 bits so n·ln2_hi and a − n·ln2_hi are exact; t·P
    /// enters by FMA unrounded, and e^(lo − n·ln2_lo) (|·| &lt; 1e-5) is taken to first order. Positive x
    /// beyond the limit get Q(limit) &lt; 2e-8 instead of Q(x); NaN passes the clamp and stays NaN; the ½
    /// rides in 2^n; the final select reads the sign bit of x (−0 takes Q = ½ either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GeluCentral(TV x)
    {
        const double Log2E = 1.4426950408889634;
        TV t = TS.MinFast(C(MathCoefficients<T>.GeluCentralLimit), TS.Abs(x));
        TV p = Estrin11(TS.Sub(t, C(MathCoefficients<T>.GeluCentralCentre)), MathCoefficients<T>.GeluCentral);
        TV u = TS.Mul(t, C(-0.5));
        TV a = TS.Mul(t, u);
        TV lo = TS.FmaSub(t, u, a);
        // −t²/2 + t·P ≈ 0.89·a − 0.65·t (max deviation 0.055 on [0, limit]).
        TV shiftPlusK = C(typeof(T) == typeof(float) ? FloatBits.Shift - 1 : DoubleBits.Shift - 1);
        TV shifted = TS.Add(TS.Fma(a, C(0.89 * Log2E), TS.Mul(t, C(-0.65 * Log2E))), shiftPlusK);
        TV n = TS.Sub(shifted, shiftPlusK);
        TV r = TS.Fma(t, p, TS.Fma(n, C(-0.693147659301757812), a));
        TV pow2 = TS.Pow2OfShifted(shifted);
        pow2 = TS.Fma(pow2, TS.Fma(n, C(4.7874181e-7), lo), pow2);
        TV r2 = TS.Mul(r, r);
        ReadOnlySpan<T> e = MathCoefficients<T>.GeluExpM1Tail;
        ref T e0 = ref MemoryMarshal.GetReference(e);
        TV e01 = TS.Fma(TS.Splat(Unsafe.Add(ref e0, 1)), r, TS.Splat(e0));
        TV e23 = TS.Fma(TS.Splat(Unsafe.Add(ref e0, 3)), r, TS.Splat(Unsafe.Add(ref e0, 2)));
        TV e45 = TS.Fma(TS.Splat(Unsafe.Add(ref e0, 5)), r, TS.Splat(Unsafe.Add(ref e0, 4)));
        TV expM1 = TS.Fma(r2, TS.Fma(TS.Fma(e45, r2, e23), r2, e01), r);
        TV q = TS.Fma(expM1, pow2, pow2);
        return TS.Mul(x, TS.SelectBySign(x, q, TS.Sub(C(1.0), q)));
    }

    /// <summary>Σ c[i]·x^i for 11 coefficients by Estrin's scheme: 4 FMAs deep instead of Horner's 10.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Estrin11(TV x, ReadOnlySpan<T> c)
    {
        ref T c0 = ref MemoryMarshal.GetReference(c);
        TV x2 = TS.Mul(x, x);
        TV x4 = TS.Mul(x2, x2);
        TV p01 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 1)), x, TS.Splat(c0));
        TV p23 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 3)), x, TS.Splat(Unsafe.Add(ref c0, 2)));
        TV p45 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 5)), x, TS.Splat(Unsafe.Add(ref c0, 4)));
        TV p67 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 7)), x, TS.Splat(Unsafe.Add(ref c0, 6)));
        TV p89 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 9)), x, TS.Splat(Unsafe.Add(ref c0, 8)));
        TV p03 = TS.Fma(p23, x2, p01);
        TV p47 = TS.Fma(p67, x2, p45);
        TV p810 = TS.Fma(TS.Splat(Unsafe.Add(ref c0, 10)), x2, p89);
        return TS.Fma(TS.Fma(p810, x4, p47), x4, p03);
    }

    /// <summary><see cref="GeluWide"/> as a call, off the float fast path (also <see cref="GeluAvx2"/>'s).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static TV GeluWideOutOfLine(TV x) => GeluWide(x);

    /// <summary>GELU for any x, by the normal-tail formula (see <see cref="Gelu"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GeluWide(TV x)
    {
        TV unguard = C(Math.ScaleB(1.0, -GeluGuardExponent));
        TV qScaled = NormalTailScaled(TS.Abs(x));
        TV negative = TS.Mul(TS.Mul(x, qScaled), unguard);
        TV positive = TS.Mul(x, TS.Sub(C(1.0), TS.Mul(qScaled, unguard)));
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

    /// <summary>
    /// e^x for x ≤ 0 only (softmax's x − max): <see cref="Exp"/> without its clamp and overflow/subnormal
    /// check. Results below e^−87 (float) / e^−708 (double), −∞ included, are flushed to 0; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpOfNonPositive(TV x)
    {
        // Lanes below the bound compute garbage (2^n outside the normal range, or NaN for −∞) and are
        // selected away; NaN compares false, so a NaN x flows through as NaN.
        TV r = ReduceByLn2(x, 0, out _, out TV shifted);
        TV pow2 = TS.Pow2OfShifted(shifted);
        return TS.Select(TS.LessThan(x, C(-87f, -708.0)), C(0.0), TS.Fma(ExpM1Reduced(r), pow2, pow2));
    }
}
