using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// AVX2+FMA double micro-kernel, 6×8: 12 ymm accumulators, and per k step two loads of B and six broadcasts
/// of A feeding 12 FMAs, which keeps both FMA pipes of a Zen 3 / Skylake core busy (15 of 16 ymm registers).
/// </summary>
internal readonly unsafe struct Avx2DoubleMicroKernel : IGemmMicroKernel<double>
{
    public static int Mr => 6;
    public static int Nr => 8;

    // Kc·Nr·8 B = 16 KiB sliver of B in L1; Mc·Kc·8 B = 144 KiB block of A in L2; Kc·Nc panel in L3.
    public static GemmBlocking Blocking => new(Mc: 72, Kc: 256, Nc: 2040);

    public static void Multiply(int kc, double* a, double* b, double* c, long ldc, double alpha, double beta)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc);
        // Unrolled by four so loop overhead stays well under the FMA pipes' throughput.
        Vector256<double> b0, b1, ai;
        int p = 0;
        for (; p + 4 <= kc; p += 4, a += 24, b += 32)
        {
            b0 = Avx.LoadAlignedVector256(b);
            b1 = Avx.LoadAlignedVector256(b + 4);
            ai = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            b0 = Avx.LoadAlignedVector256(b + 8);
            b1 = Avx.LoadAlignedVector256(b + 12);
            ai = Avx.BroadcastScalarToVector256(a + 6);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 7);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 8);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 9);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 10);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 11);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            b0 = Avx.LoadAlignedVector256(b + 16);
            b1 = Avx.LoadAlignedVector256(b + 20);
            ai = Avx.BroadcastScalarToVector256(a + 12);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 13);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 14);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 15);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 16);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 17);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            b0 = Avx.LoadAlignedVector256(b + 24);
            b1 = Avx.LoadAlignedVector256(b + 28);
            ai = Avx.BroadcastScalarToVector256(a + 18);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 19);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 20);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 21);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 22);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 23);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
        }
        for (; p < kc; p++, a += 6, b += 8)
        {
            b0 = Avx.LoadAlignedVector256(b);
            b1 = Avx.LoadAlignedVector256(b + 4);
            ai = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
        }
        var alphaV = Vector256.Create(alpha);
        if (beta == 0d)
        {
            StoreRow(c, c00, c01, alphaV);
            StoreRow(c + ldc, c10, c11, alphaV);
            StoreRow(c + 2 * ldc, c20, c21, alphaV);
            StoreRow(c + 3 * ldc, c30, c31, alphaV);
            StoreRow(c + 4 * ldc, c40, c41, alphaV);
            StoreRow(c + 5 * ldc, c50, c51, alphaV);
        }
        else
        {
            var betaV = Vector256.Create(beta);
            UpdateRow(c, c00, c01, alphaV, betaV);
            UpdateRow(c + ldc, c10, c11, alphaV, betaV);
            UpdateRow(c + 2 * ldc, c20, c21, alphaV, betaV);
            UpdateRow(c + 3 * ldc, c30, c31, alphaV, betaV);
            UpdateRow(c + 4 * ldc, c40, c41, alphaV, betaV);
            UpdateRow(c + 5 * ldc, c50, c51, alphaV, betaV);
        }
    }

    /// <summary>Starts fetching the C tile now so its cache misses overlap the k loop, not the final update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(double* c, long ldc)
    {
        for (int i = 0; i < 6; i++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 7);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(double* c, Vector256<double> lo, Vector256<double> hi, Vector256<double> alpha)
    {
        Avx.Store(c, Avx.Multiply(lo, alpha));
        Avx.Store(c + 4, Avx.Multiply(hi, alpha));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(double* c, Vector256<double> lo, Vector256<double> hi, Vector256<double> alpha,
        Vector256<double> beta)
    {
        Avx.Store(c, Fma.MultiplyAdd(lo, alpha, Avx.Multiply(beta, Avx.LoadVector256(c))));
        Avx.Store(c + 4, Fma.MultiplyAdd(hi, alpha, Avx.Multiply(beta, Avx.LoadVector256(c + 4))));
    }
}
