using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// AVX2 fast paths for the two float packings that are transposes: a row-major A sliver (6 rows read along
/// k, written k-major) and a column-major B sliver (16 columns read along k, written k-major). Both move
/// 8×8 blocks through registers instead of one element at a time, roughly doubling packing throughput,
/// which otherwise costs several percent of a GEMM whose n (for A) or m (for B) is only a few hundred.
/// </summary>
internal static unsafe class Avx2FloatPacking
{
    /// <summary>True where the intrinsics used here execute.</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>Packs 6 full rows (row stride <paramref name="rowStride"/>, unit column stride) of kc floats.</summary>
    public static void PackARowMajor6(float* src, long rowStride, int kc, float* dst)
    {
        float* r0 = src, r1 = src + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
        float* r4 = r3 + rowStride, r5 = r4 + rowStride;
        Vector256<float> zero = Vector256<float>.Zero;
        int p = 0;
        // Each column is stored 8 wide at a 6-float pitch, so it spills 2 floats into the next column's slot;
        // the next store (or, for the last column, the next block or the tail, hence p + 8 < kc) overwrites them.
        for (; p + 8 < kc; p += 8, dst += 48)
        {
            Vector256<float> c0 = Avx.LoadVector256(r0 + p), c1 = Avx.LoadVector256(r1 + p);
            Vector256<float> c2 = Avx.LoadVector256(r2 + p), c3 = Avx.LoadVector256(r3 + p);
            Vector256<float> c4 = Avx.LoadVector256(r4 + p), c5 = Avx.LoadVector256(r5 + p);
            Vector256<float> c6 = zero, c7 = zero;
            Transpose8x8(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            Avx.Store(dst, c0);
            Avx.Store(dst + 6, c1);
            Avx.Store(dst + 12, c2);
            Avx.Store(dst + 18, c3);
            Avx.Store(dst + 24, c4);
            Avx.Store(dst + 30, c5);
            Avx.Store(dst + 36, c6);
            Avx.Store(dst + 42, c7);
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

    /// <summary>Packs 16 full columns (column stride <paramref name="colStride"/>, unit row stride) of kc floats.</summary>
    public static void PackBColumnMajor16(float* src, long colStride, int kc, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            TransposeEightColumns(src + p, colStride, dst + p * 16);
            TransposeEightColumns(src + 8 * colStride + p, colStride, dst + p * 16 + 8);
        }
        for (; p < kc; p++)
        {
            float* column = src + p;
            for (int j = 0; j < 16; j++) dst[p * 16 + j] = column[j * colStride];
        }
    }

    /// <summary>Reads 8 k-steps of 8 columns and writes them as 8 rows of 8 at a 16-float pitch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeEightColumns(float* src, long colStride, float* dst)
    {
        Vector256<float> c0 = Avx.LoadVector256(src), c1 = Avx.LoadVector256(src + colStride);
        Vector256<float> c2 = Avx.LoadVector256(src + 2 * colStride), c3 = Avx.LoadVector256(src + 3 * colStride);
        Vector256<float> c4 = Avx.LoadVector256(src + 4 * colStride), c5 = Avx.LoadVector256(src + 5 * colStride);
        Vector256<float> c6 = Avx.LoadVector256(src + 6 * colStride), c7 = Avx.LoadVector256(src + 7 * colStride);
        Transpose8x8(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
        Avx.Store(dst, c0);
        Avx.Store(dst + 16, c1);
        Avx.Store(dst + 32, c2);
        Avx.Store(dst + 48, c3);
        Avx.Store(dst + 64, c4);
        Avx.Store(dst + 80, c5);
        Avx.Store(dst + 96, c6);
        Avx.Store(dst + 112, c7);
    }

    /// <summary>The classic in-register 8×8 transpose: unpack pairs, shuffle quads, swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2,
        ref Vector256<float> r3, ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6,
        ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
