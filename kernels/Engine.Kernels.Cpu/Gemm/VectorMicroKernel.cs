using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector micro-kernel, written once for every element type and vector width: a 6×(2 vectors) tile, so
/// 6×16 float / 6×8 double on AVX2 (<see cref="Simd256{T}"/>) and 6×32 / 6×16 on AVX-512
/// (<see cref="Simd512{T}"/>, which .NET runs in software where the hardware lacks it — slow, but testable).
/// 12 vector accumulators, and per k step two loads of B and six broadcasts of A feeding 12 FMAs: that keeps
/// both FMA pipes of a Zen 3 / Skylake core busy and uses 15 of the 16 ymm registers, with no spills.
/// A 4-row short tile covers the rows a block has beyond a multiple of 6 (batch sizes are powers of two, never
/// multiples of 6). Measured on Zen 3, float, best of 200 calls by thread CPU time, old and new alternating in
/// one process: 128×784×512 89.1 → 91.3 GFLOP/s, 128×512×512 90.6 → 93.3, 64×512×512 86.4 → 89.3, 32×512×512
/// 73.5 → 80.9 (126 rows, which need no short tile, 93.4 either way); on 2 threads 175 → 179, 175 → 180,
/// 165 → 171 and 141 → 150.
/// </summary>
/// <remarks>
/// The JIT specialises this per <typeparamref name="TSimd"/> struct, so every <typeparamref name="TSimd"/> call
/// and <see cref="Step"/> inline: the k loop compiles to the same broadcast + FMA sequence as the hand-written
/// AVX2 kernels it replaced (measured within noise, float and double, in the same run).
/// </remarks>
internal readonly unsafe struct VectorMicroKernel<T, TV, TSimd> : IGemmMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : struct
    where TSimd : struct, ISimd<TV, T>
{
    private const int Rows = 6;

    /// <summary>
    /// The short tile: 4 rows × 2 vectors, 8 accumulators, which still covers the FMA latency of two pipes
    /// (4 cycles × 2), so it runs near the full tile's rate on the rows it really has.
    /// </summary>
    private const int ShortRows = 4;

    /// <summary>Bytes of one vector: 32 on AVX2, 64 on AVX-512.</summary>
    private static int VectorBytes => TSimd.Count * sizeof(T);

    public static int Mr => Rows;
    public static int Nr => 2 * TSimd.Count;
    public static int ShortMr => ShortRows;

    /// <summary>
    /// 256-bit: Kc = 512 for float, a 32 KiB sliver of B (the L1's size, streamed from L2 by the prefetcher), and
    /// 256 for double (16 KiB); 512-bit: Kc = 192, a 24 KiB sliver in a 48 KiB L1. Mc·Kc = 144 KiB block of A in
    /// L2 for all; the Kc·Nc panel of B in L3. (Float: 72/512/4080 and 192/192/4096; double: 72/256/2040 and
    /// 96/192/2048.)
    /// </summary>
    /// <remarks>
    /// Float Kc 256 → 512 measured on Zen 3 in one process, alternating, best calls: 1 thread 1024³ 94 → 97 GFLOP/s,
    /// 2048³ 94 → 96, 128×784×512 91–92 → 92–94, 512³ and 256³ unchanged (96, 98); 2 threads 128×784×512 165–167
    /// → 181–182 (its per-thread halves now pack A instead of reading it in place), 128×512×512 172 → 182,
    /// 2048³ 186 → 189–192. Half as many passes over k: half the tile prologues and C updates. Convolutions
    /// (forward and backward, 1 and 2 threads) and double (2048³ 42–44 at 256, 38–42 at 512) did not gain.
    /// </remarks>
    public static GemmBlocking Blocking
    {
        get
        {
            int kc = VectorBytes == 32 ? (sizeof(T) == 4 ? 512 : 256) : 192;
            int ncBytes = VectorBytes == 32 ? 4080 * 4 : 4096 * 4;
            return new(Mc: 144 * 1024 / (kc * sizeof(T)), Kc: kc, Nc: ncBytes / sizeof(T));
        }
    }

    public static void Multiply(int kc, T* a, T* b, T* c, long ldc, T alpha, T beta)
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, Rows);
        int nr = Nr;
        // One set of B and A temporaries shared by every step, as in a hand-unrolled loop (with separate temps
        // per inlined step the JIT spilled a B vector in the single-step loop).
        TV b0 = default, b1 = default, ai = default;
        int p = 0;
        // Unrolled by four so loop overhead stays well under the FMA pipes' throughput. Constant step offsets
        // (not a + Rows, b + nr) fold into the load addresses: no extra lea per step.
        for (; p + 4 <= kc; p += 4, a += 4 * Rows, b += 4 * nr)
        {
            Step(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a, b, 1, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a, b, 2, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a, b, 3, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; p < kc; p++, a += Rows, b += nr)
            Step(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);

        WriteTile(c, ldc, alpha, beta, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    public static void MultiplyShort(int kc, T* a, T* b, T* c, long ldc, T alpha, T beta)
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default;
        PrefetchTile(c, ldc, ShortRows);
        int nr = Nr;
        TV b0 = default, b1 = default, ai = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4, a += 4 * ShortRows, b += 4 * nr)
        {
            StepShort(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            StepShort(a, b, 1, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            StepShort(a, b, 2, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            StepShort(a, b, 3, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
        }
        for (; p < kc; p++, a += ShortRows, b += nr)
            StepShort(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);

        WriteRowPair(c, ldc, alpha, beta, c00, c01, c10, c11);
        WriteRowPair(c + 2 * ldc, ldc, alpha, beta, c20, c21, c30, c31);
    }

    /// <summary>C = alpha·acc (beta = 0, C not read) or C = alpha·acc + beta·C, for the six rows of a tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteTile(T* c, long ldc, T alpha, T beta, TV c00, TV c01, TV c10, TV c11, TV c20, TV c21,
        TV c30, TV c31, TV c40, TV c41, TV c50, TV c51)
    {
        WriteRowPair(c, ldc, alpha, beta, c00, c01, c10, c11);
        WriteRowPair(c + 2 * ldc, ldc, alpha, beta, c20, c21, c30, c31);
        WriteRowPair(c + 4 * ldc, ldc, alpha, beta, c40, c41, c50, c51);
    }

    /// <summary>Two rows of a tile: C = alpha·acc (beta = 0, C not read) or C = alpha·acc + beta·C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRowPair(T* c, long ldc, T alpha, T beta, TV lo0, TV hi0, TV lo1, TV hi1)
    {
        TV alphaV = TSimd.Splat(alpha);
        if (beta == T.Zero)
        {
            StoreRow(c, lo0, hi0, alphaV);
            StoreRow(c + ldc, lo1, hi1, alphaV);
        }
        else
        {
            TV betaV = TSimd.Splat(beta);
            UpdateRow(c, lo0, hi0, alphaV, betaV);
            UpdateRow(c + ldc, lo1, hi1, alphaV, betaV);
        }
    }

    public static void MultiplyRows(int kc, T* a, long lda, T* b, T* c, long ldc, T alpha, T beta)
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, Rows);
        int nr = Nr;
        // Six row pointers stepped together: each broadcast reads its row in place, so A is never packed.
        T* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        TV b0 = default, b1 = default, ai = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4, a0 += 4, a1 += 4, a2 += 4, a3 += 4, a4 += 4, a5 += 4, b += 4 * nr)
        {
            StepRows(a0, a1, a2, a3, a4, a5, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            StepRows(a0, a1, a2, a3, a4, a5, b, 1, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            StepRows(a0, a1, a2, a3, a4, a5, b, 2, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            StepRows(a0, a1, a2, a3, a4, a5, b, 3, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; p < kc; p++, a0++, a1++, a2++, a3++, a4++, a5++, b += nr)
            StepRows(a0, a1, a2, a3, a4, a5, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);

        WriteTile(c, ldc, alpha, beta, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    public static void MultiplyColumns(int kc, T* a, long lda, T* b, T* c, long ldc, T alpha, T beta)
    {
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TV c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, Rows);
        int nr = Nr;
        // Column-major A in place: step p's six elements are contiguous at a + p·lda, as in a packed sliver
        // whose step is lda instead of Mr. Four step pointers per unrolled iteration; Step s reads A at
        // pointer + s·Mr (and B at b + s·Nr), so step s is handed its pointer less s·Mr.
        TV b0 = default, b1 = default, ai = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4, a += 4 * lda, b += 4 * nr)
        {
            T* a1 = a + lda, a2 = a + 2 * lda, a3 = a1 + 2 * lda;
            Step(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a1 - Rows, b, 1, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a2 - 2 * Rows, b, 2, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a3 - 3 * Rows, b, 3, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; p < kc; p++, a += lda, b += nr)
            Step(a, b, 0, ref b0, ref b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);

        WriteTile(c, ldc, alpha, beta, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <summary>k step <paramref name="s"/> with A read in place: row i of the tile += a_i[s] · b[s·Nr ..).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepRows(T* a0, T* a1, T* a2, T* a3, T* a4, T* a5, T* b, int s, ref TV b0, ref TV b1, ref TV ai,
        ref TV c00, ref TV c01, ref TV c10, ref TV c11, ref TV c20, ref TV c21,
        ref TV c30, ref TV c31, ref TV c40, ref TV c41, ref TV c50, ref TV c51)
    {
        b0 = TSimd.Load(b + s * Nr);
        b1 = TSimd.Load(b + s * Nr + TSimd.Count);
        Row(a0 + s, b0, b1, ref ai, ref c00, ref c01);
        Row(a1 + s, b0, b1, ref ai, ref c10, ref c11);
        Row(a2 + s, b0, b1, ref ai, ref c20, ref c21);
        Row(a3 + s, b0, b1, ref ai, ref c30, ref c31);
        Row(a4 + s, b0, b1, ref ai, ref c40, ref c41);
        Row(a5 + s, b0, b1, ref ai, ref c50, ref c51);
    }

    /// <summary>k step <paramref name="s"/> from a and b: row i of the tile += a[s·6 + i] · b[s·Nr ..), as two vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(T* a, T* b, int s, ref TV b0, ref TV b1, ref TV ai, ref TV c00, ref TV c01, ref TV c10, ref TV c11, ref TV c20, ref TV c21,
        ref TV c30, ref TV c31, ref TV c40, ref TV c41, ref TV c50, ref TV c51)
    {
        // Addresses written out in full: reassigning a or b here would cost an lea per step.
        b0 = TSimd.Load(b + s * Nr);
        b1 = TSimd.Load(b + s * Nr + TSimd.Count);
        FourRows(a + s * Rows, b0, b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
        Row(a + s * Rows + 4, b0, b1, ref ai, ref c40, ref c41);
        Row(a + s * Rows + 5, b0, b1, ref ai, ref c50, ref c51);
    }

    /// <summary>k step <paramref name="s"/> of the short tile: row i += a[s·4 + i] · b[s·Nr ..).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepShort(T* a, T* b, int s, ref TV b0, ref TV b1, ref TV ai, ref TV c00, ref TV c01,
        ref TV c10, ref TV c11, ref TV c20, ref TV c21, ref TV c30, ref TV c31)
    {
        b0 = TSimd.Load(b + s * Nr);
        b1 = TSimd.Load(b + s * Nr + TSimd.Count);
        FourRows(a + s * ShortRows, b0, b1, ref ai, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
    }

    /// <summary>Rows 0–3 of one k step, their A elements at a[0..3]: shared by the full and the short tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(T* a, TV b0, TV b1, ref TV ai, ref TV c00, ref TV c01, ref TV c10, ref TV c11,
        ref TV c20, ref TV c21, ref TV c30, ref TV c31)
    {
        Row(a, b0, b1, ref ai, ref c00, ref c01);
        Row(a + 1, b0, b1, ref ai, ref c10, ref c11);
        Row(a + 2, b0, b1, ref ai, ref c20, ref c21);
        Row(a + 3, b0, b1, ref ai, ref c30, ref c31);
    }

    /// <summary>One row of one k step: (lo, hi) += broadcast(*a) · (b0, b1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(T* a, TV b0, TV b1, ref TV ai, ref TV lo, ref TV hi)
    {
        ai = TSimd.Splat(*a);
        lo = TSimd.Fma(ai, b0, lo);
        hi = TSimd.Fma(ai, b1, hi);
    }

    /// <summary>Starts fetching the C tile now so its cache misses overlap the k loop, not the final update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(T* c, long ldc, int rows)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < rows; i++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + Nr - 1);
        }
    }

    /// <summary>C row = alpha·acc (beta = 0: C is not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, TV lo, TV hi, TV alpha)
    {
        TSimd.Store(c, TSimd.Mul(lo, alpha));
        TSimd.Store(c + TSimd.Count, TSimd.Mul(hi, alpha));
    }

    /// <summary>C row = FusedMultiplyAdd(acc, alpha, beta·C), the rounding the edge-tile merge reproduces.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(T* c, TV lo, TV hi, TV alpha, TV beta)
    {
        TSimd.Store(c, TSimd.Fma(lo, alpha, TSimd.Mul(beta, TSimd.Load(c))));
        TSimd.Store(c + TSimd.Count, TSimd.Fma(hi, alpha, TSimd.Mul(beta, TSimd.Load(c + TSimd.Count))));
    }
}
