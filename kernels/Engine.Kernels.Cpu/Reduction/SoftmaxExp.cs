using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Private vector exp for softmax: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, a polynomial
/// for e^r and 2^n built in the exponent bits. Kept in this one file so it can be swapped for the shared
/// exp kernel later.
/// </summary>
/// <remarks>
/// Domain: x ≤ 88 (float) / 709 (double); softmax only passes x − max ≤ 0. Inputs below ≈ −87 (float) /
/// −708 (double), −∞ included, give 0 (results that would be subnormal are flushed). NaN stays NaN.
/// Worst relative error measured on [−87, 0] against Math.Exp: 8.5e-8 (float), 3.2e-16 (double).
/// </remarks>
internal static class SoftmaxExp
{
    private const float FloatLowest = -87.0f;         // e^-87 ≈ 1.6e-38 is still a normal float
    private const float FloatShifter = 12582912.0f;   // 1.5·2^23: adding it rounds to an integer in the low mantissa
    private const float FloatLn2High = 0.693359375f;  // exact in few bits, so n·Ln2High is exact
    private const float FloatLn2Low = -2.12194440e-4f;

    private const double DoubleLowest = -708.0;
    private const double DoubleShifter = 6755399441055744.0; // 1.5·2^52
    private const double DoubleLn2High = 6.93145751953125E-1;
    private const double DoubleLn2Low = 1.42860682030941723212E-6;

    /// <summary>e^x lane-wise, for float or double lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<T, TV, TSimd>(TV x)
        where T : unmanaged, INumber<T> where TV : struct where TSimd : struct, IReductionSimd<TV, T>
    {
        if (typeof(T) == typeof(float))
            return Evaluate<T, TV, TSimd>(x, T.CreateTruncating(FloatLowest), T.CreateTruncating(FloatShifter),
                T.CreateTruncating(FloatLn2High), T.CreateTruncating(FloatLn2Low), mantissaBits: 23);
        return Evaluate<T, TV, TSimd>(x, T.CreateTruncating(DoubleLowest), T.CreateTruncating(DoubleShifter),
            T.CreateTruncating(DoubleLn2High), T.CreateTruncating(DoubleLn2Low), mantissaBits: 52);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Evaluate<T, TV, TSimd>(TV x, T lowest, T shifter, T ln2High, T ln2Low, int mantissaBits)
        where T : unmanaged, INumber<T> where TV : struct where TSimd : struct, IReductionSimd<TV, T>
    {
        // Below 'lowest' (and -inf) the answer is 0. Those lanes compute garbage (even NaN) below and are
        // zeroed at the end, which is cheaper than clamping. NaN compares false, so a NaN x stays NaN.
        TV tooSmall = TSimd.LessThan(x, TSimd.Broadcast(lowest));

        TV vShifter = TSimd.Broadcast(shifter);
        TV shifted = TSimd.MultiplyAdd(x, TSimd.Broadcast(T.CreateTruncating(1.4426950408889634)), vShifter);
        TV n = TSimd.Subtract(shifted, vShifter);
        TV r = TSimd.MultiplyAdd(n, TSimd.Broadcast(-ln2High), x);
        r = TSimd.MultiplyAdd(n, TSimd.Broadcast(-ln2Low), r);

        // e^r = 1 + q, with q = r + r²·P(r) (float) or the Taylor tail (double); 2^n·(1 + q) is one fma.
        TV q = typeof(T) == typeof(float) ? FloatPolynomialMinusOne<T, TV, TSimd>(r) : DoublePolynomialMinusOne<T, TV, TSimd>(r);

        // The low mantissa bits of 'shifted' hold n; moved into the exponent field and added to 1.0 they give 2^n.
        TV twoToN = TSimd.AddBits(TSimd.ShiftBitsLeft(shifted, mantissaBits), TSimd.Broadcast(T.One));
        TV result = TSimd.MultiplyAdd(q, twoToN, twoToN);
        return TSimd.ZeroWhere(tooSmall, result);
    }

    // cephes expf: e^r − 1 ≈ r + r²·P(r) on |r| ≤ ln2/2. P is evaluated by Estrin's scheme (pairs, then
    // powers of r²) rather than Horner's, which halves the dependency chain the exp loop waits on.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV FloatPolynomialMinusOne<T, TV, TSimd>(TV r)
        where T : unmanaged, INumber<T> where TV : struct where TSimd : struct, IReductionSimd<TV, T>
    {
        TV rSquared = TSimd.Multiply(r, r);
        TV p01 = TSimd.MultiplyAdd(TSimd.Broadcast(T.CreateTruncating(1.6666665459E-1f)), r, TSimd.Broadcast(T.CreateTruncating(5.0000001201E-1f)));
        TV p23 = TSimd.MultiplyAdd(TSimd.Broadcast(T.CreateTruncating(8.3334519073E-3f)), r, TSimd.Broadcast(T.CreateTruncating(4.1665795894E-2f)));
        TV p45 = TSimd.MultiplyAdd(TSimd.Broadcast(T.CreateTruncating(1.9875691500E-4f)), r, TSimd.Broadcast(T.CreateTruncating(1.3981999507E-3f)));
        TV p = TSimd.MultiplyAdd(TSimd.MultiplyAdd(p45, rSquared, p23), rSquared, p01);
        return TSimd.MultiplyAdd(p, rSquared, r);
    }

    // Taylor series of e^r − 1 to r^12/12!: the truncation error r^13/13! is below 2e-16 on |r| ≤ ln2/2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV DoublePolynomialMinusOne<T, TV, TSimd>(TV r)
        where T : unmanaged, INumber<T> where TV : struct where TSimd : struct, IReductionSimd<TV, T>
    {
        TV p = TSimd.Broadcast(T.CreateTruncating(1.0 / 479001600.0));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 39916800.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 3628800.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 362880.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 40320.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 5040.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 720.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 120.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 24.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(1.0 / 6.0)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.CreateTruncating(0.5)));
        p = TSimd.MultiplyAdd(p, r, TSimd.Broadcast(T.One));
        return TSimd.Multiply(p, r);
    }
}
