using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// AVX-512 float micro-kernel, 6×32, written with <see cref="Vector512{T}"/>: 12 zmm accumulators, two
/// loads of B and six broadcasts of A per k step. Without AVX-512 hardware .NET runs it in software, which
/// is slow but keeps the path testable everywhere.
/// </summary>
internal readonly unsafe struct Vector512FloatMicroKernel : IGemmMicroKernel<float>
{
    public static int Mr => 6;
    public static int Nr => 32;

    // Kc·Nr·4 B = 24 KiB sliver of B in a 48 KiB L1; Mc·Kc·4 B = 144 KiB block of A in L2.
    public static GemmBlocking Blocking => new(Mc: 192, Kc: 192, Nc: 4096);

    public static void Multiply(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += 6, b += 32)
        {
            Vector512<float> b0 = Vector512.LoadAligned(b);
            Vector512<float> b1 = Vector512.LoadAligned(b + 16);
            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
        }
        var alphaV = Vector512.Create(alpha);
        if (beta == 0f)
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
            var betaV = Vector512.Create(beta);
            UpdateRow(c, c00, c01, alphaV, betaV);
            UpdateRow(c + ldc, c10, c11, alphaV, betaV);
            UpdateRow(c + 2 * ldc, c20, c21, alphaV, betaV);
            UpdateRow(c + 3 * ldc, c30, c31, alphaV, betaV);
            UpdateRow(c + 4 * ldc, c40, c41, alphaV, betaV);
            UpdateRow(c + 5 * ldc, c50, c51, alphaV, betaV);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha)
    {
        Vector512.Store(lo * alpha, c);
        Vector512.Store(hi * alpha, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha,
        Vector512<float> beta)
    {
        Vector512.Store(Vector512.FusedMultiplyAdd(lo, alpha, beta * Vector512.Load(c)), c);
        Vector512.Store(Vector512.FusedMultiplyAdd(hi, alpha, beta * Vector512.Load(c + 16)), c + 16);
    }
}
