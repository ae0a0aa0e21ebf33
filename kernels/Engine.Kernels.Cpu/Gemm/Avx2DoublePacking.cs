using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// AVX2 fast paths for the double packings that are transposes, the counterpart of
/// <see cref="Avx2FloatPacking"/>: a row-major A sliver of 6 rows and a column-major B sliver of 8 columns,
/// moved through registers in 4×4 blocks instead of one element at a time.
/// </summary>
internal static unsafe class Avx2DoublePacking
{
    /// <summary>True where the intrinsics used here execute.</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>Packs 6 full rows (row stride <paramref name="rowStride"/>, unit column stride) of kc doubles.</summary>
    public static void PackARowMajor6(double* src, long rowStride, int kc, double* dst)
    {
        double* r0 = src, r1 = src + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
        double* r4 = r3 + rowStride, r5 = r4 + rowStride;
        int p = 0;
        for (; p + 4 <= kc; p += 4, dst += 24)
        {
            Vector256<double> q0 = Avx.LoadVector256(r0 + p), q1 = Avx.LoadVector256(r1 + p);
            Vector256<double> q2 = Avx.LoadVector256(r2 + p), q3 = Avx.LoadVector256(r3 + p);
            Transpose4x4(ref q0, ref q1, ref q2, ref q3);
            // Rows 4 and 5 pair up per k step: (r4[p], r5[p]) for p, p+2 in low; p+1, p+3 in high.
            Vector256<double> low = Avx.UnpackLow(Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p));
            Vector256<double> high = Avx.UnpackHigh(Avx.LoadVector256(r4 + p), Avx.LoadVector256(r5 + p));
            Avx.Store(dst, q0);
            Sse2.Store(dst + 4, low.GetLower());
            Avx.Store(dst + 6, q1);
            Sse2.Store(dst + 10, high.GetLower());
            Avx.Store(dst + 12, q2);
            Sse2.Store(dst + 16, low.GetUpper());
            Avx.Store(dst + 18, q3);
            Sse2.Store(dst + 22, high.GetUpper());
        }
        for (; p < kc; p++, dst += 6)
        {
            dst[0] = r0[p];
            dst[1] = r1[p];
            dst[2] = r2[p];
            dst[3] = r3[p];
            dst[4] = r4[p];
            dst[5] = r5[p];
        }
    }

    /// <summary>Packs 8 full columns (column stride <paramref name="colStride"/>, unit row stride) of kc doubles.</summary>
    public static void PackBColumnMajor8(double* src, long colStride, int kc, double* dst)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            TransposeFourColumns(src + p, colStride, dst + p * 8);
            TransposeFourColumns(src + 4 * colStride + p, colStride, dst + p * 8 + 4);
        }
        for (; p < kc; p++)
        {
            double* column = src + p;
            for (int j = 0; j < 8; j++) dst[p * 8 + j] = column[j * colStride];
        }
    }

    /// <summary>Reads 4 k-steps of 4 columns and writes them as 4 rows of 4 at an 8-double pitch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeFourColumns(double* src, long colStride, double* dst)
    {
        Vector256<double> c0 = Avx.LoadVector256(src), c1 = Avx.LoadVector256(src + colStride);
        Vector256<double> c2 = Avx.LoadVector256(src + 2 * colStride), c3 = Avx.LoadVector256(src + 3 * colStride);
        Transpose4x4(ref c0, ref c1, ref c2, ref c3);
        Avx.Store(dst, c0);
        Avx.Store(dst + 8, c1);
        Avx.Store(dst + 16, c2);
        Avx.Store(dst + 24, c3);
    }

    /// <summary>In-register 4×4 transpose: unpack pairs, then swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref Vector256<double> r0, ref Vector256<double> r1, ref Vector256<double> r2,
        ref Vector256<double> r3)
    {
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        r0 = Avx.Permute2x128(t0, t2, 0x20);
        r1 = Avx.Permute2x128(t1, t3, 0x20);
        r2 = Avx.Permute2x128(t0, t2, 0x31);
        r3 = Avx.Permute2x128(t1, t3, 0x31);
    }
}
