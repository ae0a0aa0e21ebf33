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
/// Why a dedicated loop: the kernel is bound by its FMA pipes (two on Zen 3) and by its dependency chain
/// (~80 cycles through P, the reduction and e^r). The generic form runs one <see cref="Vector256x2{T}"/> per
/// call of a non-inlined method (inlined, the JIT's inlining budget leaves it half-inlined); written out
/// here, one vector's chain overlaps its partner's and the next iteration's, and there are 24 FMA-pipe ops
/// per vector: P by Horner (9), t² split exactly (2), the exponent estimate (2), the reduction (3), e^r (6),
/// Φ and the product (2), so ≥ 12 cycles per 8 elements.
/// Measured on Zen 3 (2^20 floats in [−4, 4], one thread, best of 1500 calls, old and new alternately on a
/// shared machine): generic pair 0.88–0.92 elements/ns, this loop 1.12–1.19. Variants measured and dropped:
/// 3 or 4 vectors interleaved (0.93, 1.06: the JIT spills), Estrin for P (0.87 with two vectors: more live
/// values, spills), one vector per iteration (0.95), the 11-coefficient P (1.13).
/// Constants are read as memory operands from a table with one copy per interleaved vector: with shared
/// broadcast constants the JIT's CSE keeps each in a register for both vectors and spills the rest to the
/// stack inside the loop. The AVX-512 path keeps the generic form.
/// Differences from the generic central formula: everything is carried in s = −2r = t² + 2n·ln2 − 2t·P
/// (no −½ multiply; the −2 and the powers of −½ live in the coefficients, exactly), P has 10 coefficients
/// (weighted least squares as in <see cref="MathCoefficients{T}.GeluCentral"/>, |t·P − g| ≤ 1.6e-7), the
/// exponent estimate is one nested FMA, the bias of 2^n rides in the shift constant, the small rest of the
/// reduction joins s by an add, and e^r − 1 has five coefficients beyond r (|r| ≤ 0.42, relative error
/// 4e-8). Accuracy sweep: max relative error 3.3e-7 (generic 3.3e-7; bound 5e-7).
/// </remarks>
internal static unsafe class GeluAvx2
{
    private const float Log2E = 1.44269504f;

    /// <summary>1.5·2^23 + 127 − 1: rounds to an integer n in its low bits with the exponent bias (and the ½ of Φ) added.</summary>
    private const float ShiftPlusBias = 12582912f + 126f;

    private const float WideBelow = -5.5f;

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
    private const int TwoLn2Hi = 15;
    private const int MinusTwoLn2Lo = 16;
    private const int B1 = 17;
    private const int B2 = 18;
    private const int B3 = 19;
    private const int B4 = 20;
    private const int B5 = 21;
    private const int B6 = 22;
    private const int One = 23;
    private const int ConstantCount = 24;
    private static ReadOnlySpan<float> Values => [5.5f, 2.75f, 0.9756467342376709f, -0.1353093683719635f, 0.020456023514270782f, -0.002994301961734891f, 0.00040131754940375686f, -4.6541234041797e-05f, 4.004092716058949e-06f, 1.4512563950574986e-07f, -1.6902279753594485e-07f, 2.4248089758316382e-08f, -0.445f * Log2E, -0.65f * Log2E, ShiftPlusBias, 2 * 0.693147659301757812f, -2 * 4.7874181e-7f, -0.5f, 0.125f, -0.02083309181034565f, 0.0026041516102850437f, -0.00026178720872849226f, 2.1787005607620813e-05f, 1f];

    /// <summary>Two copies of the constants, each broadcast to 8 lanes (one copy per interleaved vector); never freed.</summary>
    private static readonly float* Table = MakeTable();

    private static float* MakeTable()
    {
        var table = (float*)NativeMemory.AlignedAlloc((nuint)(2 * ConstantCount * 8 * sizeof(float)), 64);
        for (int copy = 0; copy < 2; copy++)
            for (int i = 0; i < ConstantCount; i++)
                for (int lane = 0; lane < 8; lane++)
                    table[(copy * ConstantCount + i) * 8 + lane] = Values[i];
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
        var below = Vector256.Create(WideBelow);
        long i = 0;
        for (; i <= n - 16; i += 16)
        {
            var x0 = Vector256.Load(x + i);
            var x1 = Vector256.Load(x + i + 8);
            CentralPair(k0, k1, x0, x1, out var y0, out var y1);
            // A block with a lane below is redone a vector at a time (nothing stays live across that call,
            // which would make the JIT spill the loop's values to the stack on every iteration).
            // (Two compares, not one of min(x0, x1): vminps returns its second operand where either is NaN.)
            if (Avx.MoveMask(Avx.Or(Avx.Compare(x0, below, FloatComparisonMode.OrderedLessThanNonSignaling),
                    Avx.Compare(x1, below, FloatComparisonMode.OrderedLessThanNonSignaling))) != 0)
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

    /// <summary>central with the lanes x &lt; −5.5 (and −∞) replaced by the wide formula.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> WithWideLanes(Vector256<float> x, Vector256<float> central)
    {
        var mask = Avx.Compare(x, Vector256.Create(WideBelow), FloatComparisonMode.OrderedLessThanNonSignaling);
        if (Avx.MoveMask(mask) == 0)
            return central;
        return Avx.BlendVariable(central, VectorMath<float, Vector256<float>, Simd256<float>>.GeluWideOutOfLine(x), mask);
    }

    /// <summary>The central formula for one vector (the tail): the same operations as <see cref="CentralPair"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Central(float* k, Vector256<float> x)
    {
        Vector256<float> y;
        var t = Avx.Min(K(k, Limit), Vector256.Abs(x));
        var v = t - K(k, Centre);
        var p = Fma.MultiplyAdd(K(k, P9), v, K(k, P8));
        p = Fma.MultiplyAdd(p, v, K(k, P7));
        p = Fma.MultiplyAdd(p, v, K(k, P6));
        p = Fma.MultiplyAdd(p, v, K(k, P5));
        p = Fma.MultiplyAdd(p, v, K(k, P4));
        p = Fma.MultiplyAdd(p, v, K(k, P3));
        p = Fma.MultiplyAdd(p, v, K(k, P2));
        p = Fma.MultiplyAdd(p, v, K(k, P1));
        p = Fma.MultiplyAdd(p, v, K(k, P0));
        var a = t * t;
        var lo = Fma.MultiplySubtract(t, t, a);
        var shifted = Fma.MultiplyAdd(t, Fma.MultiplyAdd(t, K(k, EstimateA), K(k, EstimateB)), K(k, ShiftK));
        var n = shifted - K(k, ShiftK);
        var s = Fma.MultiplyAdd(t, p, Fma.MultiplyAdd(n, K(k, TwoLn2Hi), a));
        s += Fma.MultiplyAdd(n, K(k, MinusTwoLn2Lo), lo);
        var pow2 = Avx2.ShiftLeftLogical(shifted.AsInt32(), 23).AsSingle();
        var e = Fma.MultiplyAdd(K(k, B6), s, K(k, B5));
        e = Fma.MultiplyAdd(e, s, K(k, B4));
        e = Fma.MultiplyAdd(e, s, K(k, B3));
        e = Fma.MultiplyAdd(e, s, K(k, B2));
        e = Fma.MultiplyAdd(e, s, K(k, B1));
        var q = Fma.MultiplyAdd(pow2 * s, e, pow2);
        y = x * Avx.BlendVariable(K(k, One) - q, q, x);
        return y;
    }

    /// <summary>
    /// Q(t) = ½·exp(−t²/2 + t·P(t − 2.75)), t = min(|x|, 5.5), y = x·Q for x &lt; 0 and x·(1 − Q) otherwise
    /// (see VectorMath's GeluCentral), for two vectors with their statements interleaved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CentralPair(float* k0, float* k1, Vector256<float> x0, Vector256<float> x1, out Vector256<float> y0, out Vector256<float> y1)
    {
        var t0 = Avx.Min(K(k0, Limit), Vector256.Abs(x0));
        var t1 = Avx.Min(K(k1, Limit), Vector256.Abs(x1));
        var v0 = t0 - K(k0, Centre);
        var v1 = t1 - K(k1, Centre);
        var p0 = Fma.MultiplyAdd(K(k0, P9), v0, K(k0, P8));
        var p1 = Fma.MultiplyAdd(K(k1, P9), v1, K(k1, P8));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P7));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P7));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P6));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P6));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P5));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P5));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P4));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P4));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P3));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P3));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P2));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P2));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P1));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P1));
        p0 = Fma.MultiplyAdd(p0, v0, K(k0, P0));
        p1 = Fma.MultiplyAdd(p1, v1, K(k1, P0));
        var a0 = t0 * t0;
        var a1 = t1 * t1;
        var lo0 = Fma.MultiplySubtract(t0, t0, a0);
        var lo1 = Fma.MultiplySubtract(t1, t1, a1);
        var shifted0 = Fma.MultiplyAdd(t0, Fma.MultiplyAdd(t0, K(k0, EstimateA), K(k0, EstimateB)), K(k0, ShiftK));
        var shifted1 = Fma.MultiplyAdd(t1, Fma.MultiplyAdd(t1, K(k1, EstimateA), K(k1, EstimateB)), K(k1, ShiftK));
        var n0 = shifted0 - K(k0, ShiftK);
        var n1 = shifted1 - K(k1, ShiftK);
        var s0 = Fma.MultiplyAdd(t0, p0, Fma.MultiplyAdd(n0, K(k0, TwoLn2Hi), a0));
        var s1 = Fma.MultiplyAdd(t1, p1, Fma.MultiplyAdd(n1, K(k1, TwoLn2Hi), a1));
        s0 += Fma.MultiplyAdd(n0, K(k0, MinusTwoLn2Lo), lo0);
        s1 += Fma.MultiplyAdd(n1, K(k1, MinusTwoLn2Lo), lo1);
        var pow20 = Avx2.ShiftLeftLogical(shifted0.AsInt32(), 23).AsSingle();
        var pow21 = Avx2.ShiftLeftLogical(shifted1.AsInt32(), 23).AsSingle();
        var e0 = Fma.MultiplyAdd(K(k0, B6), s0, K(k0, B5));
        var e1 = Fma.MultiplyAdd(K(k1, B6), s1, K(k1, B5));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B4));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B4));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B3));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B3));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B2));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B2));
        e0 = Fma.MultiplyAdd(e0, s0, K(k0, B1));
        e1 = Fma.MultiplyAdd(e1, s1, K(k1, B1));
        var q0 = Fma.MultiplyAdd(pow20 * s0, e0, pow20);
        var q1 = Fma.MultiplyAdd(pow21 * s1, e1, pow21);
        y0 = x0 * Avx.BlendVariable(K(k0, One) - q0, q0, x0);
        y1 = x1 * Avx.BlendVariable(K(k1, One) - q1, q1, x1);
    }
}
