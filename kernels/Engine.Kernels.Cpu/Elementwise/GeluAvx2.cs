using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Float GELU on the AVX2 path: the central formula of <see cref="VectorMath{T,TV,TS}"/>'s Gelu written out
/// on <see cref="Vector256{T}"/> for two independent vectors, statement by statement interleaved, in one
/// loop (no call per vector). Lanes below −5.5 take the generic wide formula, lane by lane, so every
/// element's result depends on its own value only (same bits however a row is split, tails included).
/// </summary>
/// <remarks>
/// Why a dedicated loop: the kernel is bound by its FMA pipes (two on Zen 3; they also run the multiplies
/// and, as measured here, cost as much for blends, float min and float compares). Written out here, one
/// vector's chain overlaps its partner's and the next iteration's; the same statements for one vector after
/// the other ran 20 % slower.
/// FMA-pipe ops per vector of 8: P by second-order Horner (10), t² split exactly (2), the exponent estimate (2),
/// the reduction (3), e^r (3 + the product 2^(n/4)·s), Q (1), y (1): 23, before 24 plus a blend, a float min
/// and a float compare. What changed:
/// <list type="bullet">
/// <item>e^r by quarter steps: n = round(4·exponent/ln2), 2^(n/4) = 2^⌊n/4⌋ (a shift into the exponent
/// field) times 2^((n mod 4)/4), whose mantissa an in-lane <c>vpermilps</c> looks up by n's low two bits and
/// one integer add puts in; so |r| ≤ 0.14 and e^r − 1 needs three coefficients beyond r, not five.</item>
/// <item>P by second-order Horner: its even and odd coefficients as two independent chains in v² joined by one
/// FMA, one op more than Horner's nine dependent FMAs but a chain of about 24 cycles instead of 36 (see below).</item>
/// <item>y = max(x, 0) − t·Q in one FMA (x·Q for x &lt; 0, x·(1 − Q) otherwise, now rounded once), with
/// max(x, 0) by an unsigned integer min against −0 (negative x, −0 included, give −0, so gelu(−0) = −0).</item>
/// <item>t = min(|x|, 5.5) by integer min, and the test for lanes below −5.5 by an unsigned integer max of
/// the pair and one integer compare; NaN with the sign set goes to the wide formula too.</item>
/// </list>
/// Measured on this project's VM (AMD EPYC, Zen 3; independent FMAs run at 2 per cycle at 3.2 GHz there):
/// 2^20 floats in [−4, 4], one thread, best of 400–2000 calls, old and new alternately in one process, four
/// runs under other workers' load: the previous loop 1.25–1.27 elements/ns, this one 1.47–1.49 (+17 %).
/// Step by step: quarter-step e^r 1.36; then y = max(x, 0) − t·Q 1.43–1.44; then the add instead of a mask
/// and t·Q by one negated FMA, 1.47–1.49; then P by second-order Horner, 1.51–1.59 (Horner 1.48–1.49 in the same
/// five rounds).
/// Until that last step the speed followed the FMA-pipe op count (blend/min/compare included), but 22 ops took
/// ~17.5 cycles per 8 elements, not the 11 that two pipes allow: each vector's dependency chain is ~70 cycles and
/// the out-of-order window holds only about two iterations of the loop, so the chain became the limit. P's Horner
/// chain was half of it. Estrin's split P = A(v) + v⁵·B(v) (three multiplies more) and a third interleaved vector
/// both ran slower (1.12 and 1.30: spills); second-order Horner only for P's upper seven coefficients, 1.48.
/// Variants measured and dropped (same harness): log 2Q(t) piecewise, 8 intervals of width 0.75 with 6
/// coefficients each picked per lane by <c>vpermps</c> (18 FMA-pipe ops: 1.69 with the lookups left out, 1.00
/// with them — 8 lane-crossing permutes per vector, latency ~8 cycles, cost too much here); t·P piecewise, 4
/// intervals × 6 coefficients by in-lane <c>vpermilps</c> (1.22: 7 lookups per vector); Estrin or
/// second-order Horner for P or e^r, or the small rest of the reduction moved into 2^n, all measured before the
/// changes above (1.24–1.27, no gain then); the same loop one vector at a time (1.03); a cheaper
/// exponent estimate α·(t² + t) + γ (one FMA instead of two: |r| grows to 0.2, e^r would need a coefficient more).
/// Constants are read as memory operands from a table with one copy per interleaved vector: with shared
/// broadcast constants the JIT's CSE keeps each in a register for both vectors and spills the rest to the
/// stack inside the loop. The AVX-512 path keeps the generic form.
/// Differences from the generic central formula: everything is carried in s = −2r = t² + (n/2)·ln2 − 2t·P
/// (no −½ multiply; the −2 and the powers of −½ live in the coefficients, exactly), P has 10 coefficients
/// (weighted least squares as in <see cref="MathCoefficients{T}.GeluCentral"/>, |t·P − g| ≤ 1.6e-7), the
/// exponent estimate is one nested FMA, the bias of 2^⌊n/4⌋ rides in the shift constant, the small rest of
/// the reduction joins s by an add (ln2/2 split at 17 bits, so n·ln2_hi/2 is exact for |n| ≤ 127), and
/// e^(−s/2) − 1 = s·(B1 + B2·s + B3·s² + B4·s³), least squares on |s| ≤ 0.28 (relative error 6.6e-8; the
/// float-rounded 2^(j/4) add ≤ 3.2e-8). Accuracy: max relative error over every 256th float x ≥ −5.5 (the
/// central range) 4.49e-7 at x = −5.01 (Horner for P: 3.33e-7 at x = −0.99): near t = 5, P's even and odd halves
/// partly cancel (1.09 − 0.34) and their rounding grows with it; the whole-range sweep of the tests (every 4096th
/// float) 3.94e-7; the bound is 5e-7.
/// </remarks>
internal static unsafe class GeluAvx2
{
    private const float Log2E = 1.44269504f;

    /// <summary>1.5·2^23 + 4·(127 − 1): rounds 4·exponent/ln2 to an integer n in its low bits with four times the exponent bias (and the ½ of Φ) added.</summary>
    private const float ShiftPlusBias = 12582912f + 504f;

    private const float WideBelow = -5.5f;

    /// <summary>−5.5 as an unsigned bit pattern with its sign bit flipped: x &lt; −5.5 (or −∞, or a NaN with the sign set) ⇔ bits(x) ^ 2^31 &gt; this, signed.</summary>
    private const int WideBelowFlippedBits = 0x40B00000;

    private const int Limit = 0;
    private const int Centre = 1;
    private const int P0 = 2;
    private const int P1 = 3;
    private const int P2 = 4;
    private const int P3 = 5;
    private const int P4 = 6;
    private const int P5 = 7;
    private const int P6 = 8;
    private const int P7 = 9;
    private const int P8 = 10;
    private const int P9 = 11;
    private const int EstimateA = 12;
    private const int EstimateB = 13;
    private const int ShiftK = 14;
    private const int QuarterLn2Hi = 15;
    private const int QuarterLn2Lo = 16;
    private const int B1 = 17;
    private const int B2 = 18;
    private const int B3 = 19;
    private const int B4 = 20;
    private const int MinusZero = 21;
    private const int QuarterMantissas = 22;
    private const int ConstantCount = 23;

    /// <summary>
    /// Broadcast constants, in the order of the indices above (the last, <see cref="QuarterMantissas"/>, is
    /// per lane: <see cref="QuarterMantissaBits"/>). QuarterLn2Hi = ln2/2 rounded to 17 bits, QuarterLn2Lo = the rest.
    /// </summary>
    private static ReadOnlySpan<float> Values => [5.5f, 2.75f, 0.9756467342376709f, -0.1353093683719635f, 0.020456023514270782f, -0.002994301961734891f, 0.00040131754940375686f, -4.6541234041797e-05f, 4.004092716058949e-06f, 1.4512563950574986e-07f, -1.6902279753594485e-07f, 2.4248089758316382e-08f, 4 * -0.445f * Log2E, 4 * -0.65f * Log2E, ShiftPlusBias, 0.3465728759765625f, 7.143034e-7f, -0.4999997913837433f, 0.12499995529651642f, -0.020853759720921516f, 0.0026062941178679466f, -0f];

    /// <summary>
    /// Mantissa fields of 2^(j/4), j = 0..3 (float-rounded), less j·2^21: the shift that moves ⌊n/4⌋ into the
    /// exponent field leaves j (n's low two bits) at bits 21–22, and adding these entries replaces it by the
    /// mantissa (one integer add, no mask). For the in-lane lookup by those two bits; both 128-bit halves hold the same four.
    /// </summary>
    private static ReadOnlySpan<int> QuarterMantissaBits => [0, 0x1837F0 - 0x200000, 0x3504F3 - 0x400000, 0x5744FD - 0x600000];

    /// <summary>Two copies of the constants, each broadcast to 8 lanes (one copy per interleaved vector); never freed.</summary>
    private static readonly float* Table = MakeTable();

    private static float* MakeTable()
    {
        var table = (float*)NativeMemory.AlignedAlloc((nuint)(2 * ConstantCount * 8 * sizeof(float)), 64);
        for (int copy = 0; copy < 2; copy++)
            for (int i = 0; i < ConstantCount; i++)
                for (int lane = 0; lane < 8; lane++)
                    table[(copy * ConstantCount + i) * 8 + lane] = i == QuarterMantissas
                        ? BitConverter.Int32BitsToSingle(QuarterMantissaBits[lane % 4])
                        : Values[i];
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> K(float* table, int index) => Vector256.Load(table + index * 8);

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>y = gelu(x) for n floats; x and y may be the same buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* x, float* y, long n)
    {
        float* k0 = Table, k1 = Table + ConstantCount * 8;
        long i = 0;
        for (; i <= n - 16; i += 16)
        {
            var x0 = Vector256.Load(x + i);
            var x1 = Vector256.Load(x + i + 8);
            CentralPair(k0, k1, x0, x1, out var y0, out var y1);
            // A block with a lane below is redone a vector at a time (nothing stays live across that call,
            // which would make the JIT spill the loop's values to the stack on every iteration).
            if (HasLaneBelowCentral(x0, x1))
            {
                RunTail(x + i, y + i, 16);
                continue;
            }
            y0.Store(y + i);
            y1.Store(y + i + 8);
        }
        if (i < n)
            RunTail(x + i, y + i, (int)(n - i));
    }

    /// <summary>
    /// True where a lane of either vector is below −5.5, −∞ or a NaN with its sign set (which the central
    /// formula would turn into a number; the wide one keeps it NaN): integer ops, off the FMA pipes. Negative floats order like their unsigned bit patterns in
    /// reverse, so the unsigned max of the pair decides, and flipping the sign bit turns the unsigned compare
    /// into the signed one AVX2 has.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasLaneBelowCentral(Vector256<float> x0, Vector256<float> x1)
    {
        var largest = Avx2.Max(x0.AsUInt32(), x1.AsUInt32()).AsInt32() ^ Vector256.Create(int.MinValue);
        return Avx.MoveMask(Avx2.CompareGreaterThan(largest, Vector256.Create(WideBelowFlippedBits)).AsSingle()) != 0;
    }

    /// <summary>n elements a vector at a time (the last n mod 8 through a stack buffer): the tail, and blocks with lanes below −5.5.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunTail(float* x, float* y, int n)
    {
        int i = 0;
        for (; i <= n - 8; i += 8)
            Single(Vector256.Load(x + i)).Store(y + i);
        if (i < n)
        {
            float* buffer = stackalloc float[8];
            for (int j = 0; j < n - i; j++) buffer[j] = x[i + j];
            Single(Vector256.Load(buffer)).Store(buffer);
            for (int j = 0; j < n - i; j++) y[i + j] = buffer[j];
        }
    }

    private static Vector256<float> Single(Vector256<float> x) => WithWideLanes(x, Central(Table, x));

    /// <summary>
    /// central with the lanes x &lt; −5.5, −∞ and NaN replaced by the wide formula (central loses a NaN whose
    /// sign bit is set: t becomes 5.5 and max(x, 0) −0).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> WithWideLanes(Vector256<float> x, Vector256<float> central)
    {
        var mask = Avx.Compare(x, Vector256.Create(WideBelow), FloatComparisonMode.UnorderedNotGreaterThanOrEqualNonSignaling);
        if (Avx.MoveMask(mask) == 0)
            return central;
        return Avx.BlendVariable(central, VectorMath<float, Vector256<float>, Simd256<float>>.GeluWideOutOfLine(x), mask);
    }

    /// <summary>The central formula for one vector (the tail): the same operations as <see cref="CentralPair"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Central(float* k, Vector256<float> x)
    {
        // Integer min: non-negative floats order like their bit patterns. A NaN becomes 5.5 here; +NaN comes
        // back through max(x, 0), −NaN lanes go to the wide formula (see HasLaneBelowCentral, WithWideLanes).
        var t = Avx2.Min(Vector256.Abs(x).AsInt32(), K(k, Limit).AsInt32()).AsSingle();
        var v = t - K(k, Centre);
        // P by second-order Horner: its even and odd halves in v² run as two independent chains (see remarks).
        var w = v * v;
        var even = Fma.MultiplyAdd(K(k, P8), w, K(k, P6));
        var odd = Fma.MultiplyAdd(K(k, P9), w, K(k, P7));
        even = Fma.MultiplyAdd(even, w, K(k, P4));
        odd = Fma.MultiplyAdd(odd, w, K(k, P5));
        even = Fma.MultiplyAdd(even, w, K(k, P2));
        odd = Fma.MultiplyAdd(odd, w, K(k, P3));
        even = Fma.MultiplyAdd(even, w, K(k, P0));
        odd = Fma.MultiplyAdd(odd, w, K(k, P1));
        var p = Fma.MultiplyAdd(odd, v, even);
        var a = t * t;
        var lo = Fma.MultiplySubtract(t, t, a);
        var shifted = Fma.MultiplyAdd(t, Fma.MultiplyAdd(t, K(k, EstimateA), K(k, EstimateB)), K(k, ShiftK));
        var n = shifted - K(k, ShiftK);
        var s = Fma.MultiplyAdd(t, p, Fma.MultiplyAdd(n, K(k, QuarterLn2Hi), a));
        s += Fma.MultiplyAdd(n, K(k, QuarterLn2Lo), lo);
        // 2^(n/4): ⌊n/4⌋ + 126 moves from bits 2..9 into the exponent field, 2^((n mod 4)/4)'s mantissa comes
        // from the low two bits (vpermilps reads only those).
        var pow2 = (Avx2.ShiftLeftLogical(shifted.AsInt32(), 21) + Avx.PermuteVar(K(k, QuarterMantissas), shifted.AsInt32()).AsInt32()).AsSingle();
        var e = Fma.MultiplyAdd(K(k, B4), s, K(k, B3));
        e = Fma.MultiplyAdd(e, s, K(k, B2));
        e = Fma.MultiplyAdd(e, s, K(k, B1));
        var q = Fma.MultiplyAdd(pow2 * s, e, pow2);
        // y = max(x, 0) − t·Q, rounded once: x·Q for x < 0, x·(1 − Q) for x ≥ 0 (beyond 5.5, t·Q is below half
        // an ulp of x, and +∞ stays +∞). The unsigned min turns every negative x into −0 (so gelu(−0) = −0) and
        // keeps x ≥ 0 and +NaN.
        var positivePart = Avx2.Min(x.AsUInt32(), K(k, MinusZero).AsUInt32()).AsSingle();
        var y = Fma.MultiplyAddNegated(t, q, positivePart);
        return y;
    }

    /// <summary>
    /// Q(t) = ½·exp(−t²/2 + t·P(t − 2.75)), t = min(|x|, 5.5), y = x·Q for x &lt; 0 and x·(1 − Q) otherwise
    /// (see VectorMath's GeluCentral) as y = max(x, 0) − t·Q, for two vectors with their statements interleaved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CentralPair(float* k0, float* k1, Vector256<float> x0, Vector256<float> x1, out Vector256<float> y0, out Vector256<float> y1)
    {
        var t0 = Avx2.Min(Vector256.Abs(x0).AsInt32(), K(k0, Limit).AsInt32()).AsSingle();
        var t1 = Avx2.Min(Vector256.Abs(x1).AsInt32(), K(k1, Limit).AsInt32()).AsSingle();
        var v0 = t0 - K(k0, Centre);
        var v1 = t1 - K(k1, Centre);
        var w0 = v0 * v0;
        var w1 = v1 * v1;
        var even0 = Fma.MultiplyAdd(K(k0, P8), w0, K(k0, P6));
        var even1 = Fma.MultiplyAdd(K(k1, P8), w1, K(k1, P6));
        var odd0 = Fma.MultiplyAdd(K(k0, P9), w0, K(k0, P7));
        var odd1 = Fma.MultiplyAdd(K(k1, P9), w1, K(k1, P7));
        even0 = Fma.MultiplyAdd(even0, w0, K(k0, P4));
        even1 = Fma.MultiplyAdd(even1, w1, K(k1, P4));
        odd0 = Fma.MultiplyAdd(odd0, w0, K(k0, P5));
        odd1 = Fma.MultiplyAdd(odd1, w1, K(k1, P5));
        even0 = Fma.MultiplyAdd(even0, w0, K(k0, P2));
        even1 = Fma.MultiplyAdd(even1, w1, K(k1, P2));
        odd0 = Fma.MultiplyAdd(odd0, w0, K(k0, P3));
        odd1 = Fma.MultiplyAdd(odd1, w1, K(k1, P3));
        even0 = Fma.MultiplyAdd(even0, w0, K(k0, P0));
        even1 = Fma.MultiplyAdd(even1, w1, K(k1, P0));
        odd0 = Fma.MultiplyAdd(odd0, w0, K(k0, P1));
        odd1 = Fma.MultiplyAdd(odd1, w1, K(k1, P1));
        var p0 = Fma.MultiplyAdd(odd0, v0, even0);
        var p1 = Fma.MultiplyAdd(odd1, v1, even1);
        var a0 = t0 * t0;
        var a1 = t1 * t1;
        var lo0 = Fma.MultiplySubtract(t0, t0, a0);
        var lo1 = Fma.MultiplySubtract(t1, t1, a1);
        var shifted0 = Fma.MultiplyAdd(t0, Fma.MultiplyAdd(t0, K(k0, EstimateA), K(k0, EstimateB)), K(k0, ShiftK));
        var shifted1 = Fma.MultiplyAdd(t1, Fma.MultiplyAdd(t1, K(k1, EstimateA), K(k1, EstimateB)), K(k1, ShiftK));
        var n0 = shifted0 - K(k0, ShiftK);
        var n1 = shifted1 - K(k1, ShiftK);
        var s0 = Fma.MultiplyAdd(t0, p0, Fma.MultiplyAdd(n0, K(k0, QuarterLn2Hi), a0));
        var s1 = Fma.MultiplyAdd(t1, p1, Fma.MultiplyAdd(n1, K(k1, QuarterLn2Hi), a1));
        s0 += Fma.MultiplyAdd(n0, K(k0, QuarterLn2Lo), lo0);
        s1 += Fma.MultiplyAdd(n1, K(k1, QuarterLn2Lo), lo1);
        var pow20 = (Avx2.ShiftLeftLogical(shifted0.AsInt32(), 21) + Avx.PermuteVar(K(k0, QuarterMantissas), shifted0.AsInt32()).AsInt32()).AsSingle();
        var pow21 = (Avx2.ShiftLeftLogical(shifted1.AsInt32(), 21) + Avx.PermuteVar(K(k1, QuarterMantissas), shifted1.AsInt32()).AsInt32()).AsSingle();
        var e0 = Fma.MultiplyAdd(K(k0, B4), s0, K(k0, B3));
        var e1 = Fma.MultiplyAdd(K(k1, B4), s1, K(k1, B3));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B2));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B2));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B1));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B1));
        var q0 = Fma.MultiplyAdd(pow20 * s0, e0, pow20);
        var q1 = Fma.MultiplyAdd(pow21 * s1, e1, pow21);
        var positivePart0 = Avx2.Min(x0.AsUInt32(), K(k0, MinusZero).AsUInt32()).AsSingle();
        var positivePart1 = Avx2.Min(x1.AsUInt32(), K(k1, MinusZero).AsUInt32()).AsSingle();
        y0 = Fma.MultiplyAddNegated(t0, q0, positivePart0);
        y1 = Fma.MultiplyAddNegated(t1, q1, positivePart1);
    }
}
