using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// AVX2 fast paths for the packings that are transposes: a sliver whose <c>width</c> rows are each contiguous
/// along k (a row-major A sliver of 6 rows or of the 4-row short tile, a column-major B sliver of 16 floats / 8 doubles) written k-major,
/// dst[p·width + i] = row i at p. Moving square blocks through registers instead of one element at a time
/// roughly doubles packing throughput, which otherwise costs several percent of a GEMM whose n (for A) or m
/// (for B) is only a few hundred. Only the in-register transposes and the 6- and 4-row layouts differ by element type.
/// </summary>
internal static unsafe class Avx2Packing<T> where T : unmanaged
{
    private static int Count => Vector256<T>.Count;

    /// <summary>True where the intrinsics used here execute (float and double only).</summary>
    public static bool IsSupported => Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// Packs the leading k steps of <paramref name="width"/> full rows (row stride <paramref name="rowStride"/>,
    /// unit column stride) and returns how many it packed; the caller packs steps from there to kc (which
    /// overwrites anything a block store spilled past its last step). Returns 0 for a width with no fast path.
    /// </summary>
    public static int PackRows(T* src, long rowStride, int width, int kc, T* dst)
    {
        if (width == 2 * Count) return PackTwoSquares(src, rowStride, kc, dst);
        if (width == 4) return typeof(T) == typeof(float) ? PackFourFloat((float*)src, rowStride, kc, (float*)dst) : PackFourDouble(src, rowStride, kc, dst);
        if (width != 6) return 0;
        if (typeof(T) == typeof(float)) return PackSixFloat((float*)src, rowStride, kc, (float*)dst);
        return PackSixDouble((double*)src, rowStride, kc, (double*)dst);
    }

    /// <summary>2·Count rows: two Count×Count register transposes per Count k steps.</summary>
    private static int PackTwoSquares(T* src, long rowStride, int kc, T* dst)
    {
        int width = 2 * Count;
        int p = 0;
        for (; p + Count <= kc; p += Count)
        {
            TransposeSquare(src + p, rowStride, dst + p * width, width);
            TransposeSquare(src + Count * rowStride + p, rowStride, dst + p * width + Count, width);
        }
        return p;
    }

    /// <summary>Reads Count k-steps of Count rows and writes them as Count k-rows of Count at a <paramref name="pitch"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TransposeSquare(T* src, long rowStride, T* dst, int pitch)
    {
        if (typeof(T) == typeof(float))
        {
            float* s = (float*)src, d = (float*)dst;
            Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + rowStride);
            Vector256<float> r2 = Avx.LoadVector256(s + 2 * rowStride), r3 = Avx.LoadVector256(s + 3 * rowStride);
            Vector256<float> r4 = Avx.LoadVector256(s + 4 * rowStride), r5 = Avx.LoadVector256(s + 5 * rowStride);
            Vector256<float> r6 = Avx.LoadVector256(s + 6 * rowStride), r7 = Avx.LoadVector256(s + 7 * rowStride);
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            Avx.Store(d, r0);
            Avx.Store(d + pitch, r1);
            Avx.Store(d + 2 * pitch, r2);
            Avx.Store(d + 3 * pitch, r3);
            Avx.Store(d + 4 * pitch, r4);
            Avx.Store(d + 5 * pitch, r5);
            Avx.Store(d + 6 * pitch, r6);
            Avx.Store(d + 7 * pitch, r7);
        }
        else
        {
            double* s = (double*)src, d = (double*)dst;
            Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + rowStride);
            Vector256<double> r2 = Avx.LoadVector256(s + 2 * rowStride), r3 = Avx.LoadVector256(s + 3 * rowStride);
            Transpose4x4(ref r0, ref r1, ref r2, ref r3);
            Avx.Store(d, r0);
            Avx.Store(d + pitch, r1);
            Avx.Store(d + 2 * pitch, r2);
            Avx.Store(d + 3 * pitch, r3);
        }
    }

    /// <summary>4 float rows (the short tile): per 8 k steps, two 4×4 transposes, one in each 128-bit half.</summary>
    private static int PackFourFloat(float* src, long rowStride, int kc, float* dst)
    {
        float* r0 = src, r1 = src + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
        int p = 0;
        for (; p + 8 <= kc; p += 8, dst += 32)
        {
            Vector256<float> c0 = Avx.LoadVector256(r0 + p), c1 = Avx.LoadVector256(r1 + p);
            Vector256<float> c2 = Avx.LoadVector256(r2 + p), c3 = Avx.LoadVector256(r3 + p);
            Vector256<float> t0 = Avx.UnpackLow(c0, c1), t1 = Avx.UnpackHigh(c0, c1);
            Vector256<float> t2 = Avx.UnpackLow(c2, c3), t3 = Avx.UnpackHigh(c2, c3);
            // Step j of the four rows lands in the low half for j < 4 and the high half for j + 4.
            Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
            Avx.Store(dst, Avx.Permute2x128(s0, s1, 0x20));
            Avx.Store(dst + 8, Avx.Permute2x128(s2, s3, 0x20));
            Avx.Store(dst + 16, Avx.Permute2x128(s0, s1, 0x31));
            Avx.Store(dst + 24, Avx.Permute2x128(s2, s3, 0x31));
        }
        return p;
    }

    /// <summary>4 double rows (the short tile): one 4×4 transpose per 4 k steps.</summary>
    private static int PackFourDouble(T* src, long rowStride, int kc, T* dst)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4) TransposeSquare(src + p, rowStride, dst + p * 4, 4);
        return p;
    }

    /// <summary>6 float rows: an 8×8 transpose with two zero rows per 8 k steps.</summary>
    private static int PackSixFloat(float* src, long rowStride, int kc, float* dst)
    {
        float* r0 = src, r1 = src + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
        float* r4 = r3 + rowStride, r5 = r4 + rowStride;
        Vector256<float> zero = Vector256<float>.Zero;
        int p = 0;
        // Each k step is stored 8 wide at a 6-float pitch, so it spills 2 floats into the next step's slot;
        // the next store (or, for the last step, the next block or the caller's tail, hence p + 8 < kc)
        // overwrites them.
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
        return p;
    }

    /// <summary>6 double rows: a 4×4 transpose of rows 0–3 and an unpack of rows 4–5 per 4 k steps.</summary>
    private static int PackSixDouble(double* src, long rowStride, int kc, double* dst)
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
        return p;
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
