using System.Numerics;
using Engine.Kernels.Cpu;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>How one operand is laid out in memory.</summary>
public enum OperandLayout
{
    /// <summary>Row-major: the plain operand.</summary>
    RowMajor,
    /// <summary>Column-major: the operand is stored transposed.</summary>
    ColumnMajor,
    /// <summary>Neither stride is 1 (e.g. a strided view of a larger tensor).</summary>
    Strided,
}

/// <summary>One random GEMM problem: shape, operand layouts, scalars and the seed of the data.</summary>
public sealed record GemmCase(int M, int N, int K, OperandLayout ALayout, OperandLayout BLayout,
    double Alpha, double Beta, int Seed)
{
    /// <summary>Readable in a failure report.</summary>
    public override string ToString() =>
        $"m={M} n={N} k={K} A={ALayout} B={BLayout} alpha={Alpha} beta={Beta} seed={Seed}";
}

/// <summary>FsCheck generators for GEMM problems: sizes 1..300 biased towards 1, primes and tile edges.</summary>
public static class GemmArbitraries
{
    private static readonly int[] AwkwardSizes = [1, 2, 3, 5, 6, 7, 8, 13, 16, 17, 31, 32, 33, 97, 127, 193, 251, 257, 293];

    /// <summary>A dimension in 1..300.</summary>
    public static Gen<int> Dimension() =>
        Gen.Frequency((3, Gen.Choose(1, 300)), (2, Gen.Elements(AwkwardSizes)), (1, Gen.Choose(1, 24)));

    /// <summary>Random GEMM cases.</summary>
    public static Arbitrary<GemmCase> Cases()
    {
        var layouts = Gen.Elements(OperandLayout.RowMajor, OperandLayout.ColumnMajor, OperandLayout.Strided);
        var gen =
            from m in Dimension()
            from n in Dimension()
            from k in Dimension()
            from aLayout in layouts
            from bLayout in layouts
            from alpha in Gen.Elements(1.0, -0.5, 2.5)
            from beta in Gen.Elements(0.0, 0.0, 1.0, -1.5)
            from seed in Gen.Choose(0, int.MaxValue - 1)
            select new GemmCase(m, n, k, aLayout, bLayout, alpha, beta, seed);
        return Arb.From(gen);
    }
}

/// <summary>A matrix of doubles in a buffer with explicit strides, as the kernels see it.</summary>
internal sealed record StridedOperand(double[] Data, long RowStride, long ColStride)
{
    /// <summary>A rows×cols matrix of values in [-1, 1] laid out as asked (gaps hold junk too).</summary>
    public static StridedOperand Random(int rows, int cols, OperandLayout layout, Random random)
    {
        (long rs, long cs) = layout switch
        {
            OperandLayout.RowMajor => ((long)cols, 1L),
            OperandLayout.ColumnMajor => (1L, (long)rows),
            _ => (2L, 2L * rows + 3), // gaps on both axes: neither stride is 1
        };
        var data = new double[(rows - 1) * rs + (cols - 1) * cs + 1];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextDouble() * 2 - 1;
        return new StridedOperand(data, rs, cs);
    }

    public double MaxAbs() => Data.Max(Math.Abs);
}

/// <summary>Runs a GEMM case on a path and checks it against <see cref="GemmReference"/> in double.</summary>
internal static unsafe class GemmCheck
{
    private const int LdcPadding = 3;
    private const double PaddingSentinel = 12345.5;

    public static T[] Convert<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(T.CreateTruncating).ToArray();

    public static double[] ToDouble<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(double.CreateTruncating).ToArray();

    /// <summary>Tolerance: float 1e-5, double 1e-12, relative to k·|alpha|·max|a|·max|b| + |beta|·max|c|.</summary>
    public static double Tolerance<T>(int k, double alpha, double maxA, double maxB, double beta, double maxC) =>
        (typeof(T) == typeof(float) ? 1e-5 : 1e-12) * (k * Math.Abs(alpha) * maxA * maxB + Math.Abs(beta) * maxC);

    /// <summary>The initial C (ldc = n + padding): random, or NaN when beta is 0; padding holds a sentinel.</summary>
    public static double[] InitialC(int m, int n, double beta, Random random)
    {
        int ldc = n + LdcPadding;
        var c = new double[m * ldc];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
            c[i * ldc + j] = j >= n ? PaddingSentinel : beta == 0 ? double.NaN : random.NextDouble() * 2 - 1;
        return c;
    }

    public static void AssertMatchesReference<T>(GemmCase gc, CpuIsa isa) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(gc.Seed);
        var a = StridedOperand.Random(gc.M, gc.K, gc.ALayout, random);
        var b = StridedOperand.Random(gc.K, gc.N, gc.BLayout, random);
        double[] c0 = InitialC(gc.M, gc.N, gc.Beta, random);
        T[] aT = Convert<T>(a.Data), bT = Convert<T>(b.Data), cT = Convert<T>(c0);
        int ldc = gc.N + LdcPadding;

        // The oracle sees exactly the values the path sees (rounded to T), computed in double.
        double[] expected = ToDouble(cT);
        fixed (double* pa = ToDouble(aT), pb = ToDouble(bT), pc = expected)
            GemmReference.Run(gc.M, gc.N, gc.K, gc.Alpha, pa, a.RowStride, a.ColStride, pb, b.RowStride, b.ColStride,
                gc.Beta, pc, ldc);
        fixed (T* pa = aT, pb = bT, pc = cT)
            Gemm.Run(gc.M, gc.N, gc.K, T.CreateTruncating(gc.Alpha), pa, a.RowStride, a.ColStride,
                pb, b.RowStride, b.ColStride, T.CreateTruncating(gc.Beta), pc, ldc, isa);

        double maxC = gc.Beta == 0 ? 0 : c0.Where(x => x != PaddingSentinel).DefaultIfEmpty(0).Max(Math.Abs);
        double tolerance = Tolerance<T>(gc.K, gc.Alpha, a.MaxAbs(), b.MaxAbs(), gc.Beta, maxC);
        AssertClose(expected, ToDouble(cT), gc.M, gc.N, ldc, tolerance, $"{typeof(T).Name} {isa} {gc}");
    }

    /// <summary>Every C element within tolerance, and the padding between rows untouched.</summary>
    public static void AssertClose(double[] expected, double[] actual, int m, int n, int ldc, double tolerance, string what)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
        {
            double e = expected[i * ldc + j], x = actual[i * ldc + j];
            if (j >= n)
                Assert.True(x == PaddingSentinel, $"{what}: C padding ({i},{j}) was overwritten with {x}");
            else
                Assert.True(Math.Abs(e - x) <= tolerance, $"{what}: C({i},{j}) = {x}, expected {e} ± {tolerance}");
        }
    }
}

/// <summary>Every GEMM path against the scalar reference, on random shapes, layouts and scalars.</summary>
[Properties(Arbitrary = [typeof(GemmArbitraries)])]
public class GemmTests
{
    /// <summary>The scalar path, float.</summary>
    [Property(MaxTest = 20)]
    public void ScalarFloatMatchesReference(GemmCase gc) => GemmCheck.AssertMatchesReference<float>(gc, CpuIsa.Scalar);

    /// <summary>The scalar path, double.</summary>
    [Property(MaxTest = 20)]
    public void ScalarDoubleMatchesReference(GemmCase gc) => GemmCheck.AssertMatchesReference<double>(gc, CpuIsa.Scalar);

    /// <summary>The AVX2+FMA path, float (where the CPU has it).</summary>
    [Property(MaxTest = 30)]
    public void Avx2FloatMatchesReference(GemmCase gc)
    {
        if (IsaDispatch.Avx2Supported) GemmCheck.AssertMatchesReference<float>(gc, CpuIsa.Avx2);
    }

    /// <summary>The AVX2+FMA path, double (where the CPU has it).</summary>
    [Property(MaxTest = 30)]
    public void Avx2DoubleMatchesReference(GemmCase gc)
    {
        if (IsaDispatch.Avx2Supported) GemmCheck.AssertMatchesReference<double>(gc, CpuIsa.Avx2);
    }

    /// <summary>The AVX-512 path, float (emulated in software where the CPU lacks it).</summary>
    [Property(MaxTest = 15)]
    public void Avx512FloatMatchesReference(GemmCase gc) => GemmCheck.AssertMatchesReference<float>(gc, CpuIsa.Avx512);

    /// <summary>The AVX-512 path, double (emulated in software where the CPU lacks it).</summary>
    [Property(MaxTest = 15)]
    public void Avx512DoubleMatchesReference(GemmCase gc) => GemmCheck.AssertMatchesReference<double>(gc, CpuIsa.Avx512);

    /// <summary>The default entry point takes the active path and agrees with the reference.</summary>
    [Property(MaxTest = 15)]
    public void ActivePathMatchesReference(GemmCase gc)
    {
        GemmCheck.AssertMatchesReference<float>(gc, IsaDispatch.Active);
        GemmCheck.AssertMatchesReference<double>(gc, IsaDispatch.Active);
    }

    /// <summary>Paths whose blocking crosses several Kc and Mc blocks (k and m beyond one block).</summary>
    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void LargeProblemsCrossBlockBoundaries(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        var gc = new GemmCase(301, 67, 530, OperandLayout.RowMajor, OperandLayout.ColumnMajor, 1.0, -1.5, 7);
        GemmCheck.AssertMatchesReference<float>(gc, isa);
        GemmCheck.AssertMatchesReference<double>(gc with { ALayout = OperandLayout.Strided }, isa);
    }

    /// <summary>
    /// k around the 8-wide blocks of the transposing packers (row-major A, column-major B), where a wrong
    /// tail or an overlapping store would show up.
    /// </summary>
    [Theory]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void PackingTailsAroundVectorBlocks(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        foreach (int k in new[] { 1, 7, 8, 9, 15, 16, 17, 24, 25 })
        {
            var gc = new GemmCase(13, 35, k, OperandLayout.RowMajor, OperandLayout.ColumnMajor, 1.0, 0.0, k);
            GemmCheck.AssertMatchesReference<float>(gc, isa);
            GemmCheck.AssertMatchesReference<double>(gc, isa);
        }
    }

    /// <summary>
    /// Row counts around the 6-row tile, where the last rows run as 4-row short tiles: every remainder, a block
    /// boundary (146 rows: AVX2 blocks of 54, 54 and 38, the last with two short tiles), both A layouts, B narrow enough for A to be read in
    /// place (n = 35) and wide enough for it to be packed (n = 300), and k across two or more passes (530).
    /// </summary>
    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void RowRemaindersMatchReference(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        int[] rows = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 14, 62, 64, 128, 130, 146];
        foreach (int m in rows)
        foreach (int n in new[] { 35, 300 })
        foreach (var aLayout in new[] { OperandLayout.RowMajor, OperandLayout.ColumnMajor })
        {
            double beta = (m + n) % 2 == 0 ? 0.0 : -1.5;
            var gc = new GemmCase(m, n, 530, aLayout, OperandLayout.RowMajor, 1.0, beta, m * 1000 + n);
            GemmCheck.AssertMatchesReference<float>(gc, isa);
            if (isa != CpuIsa.Avx512 || m <= 14) GemmCheck.AssertMatchesReference<double>(gc, isa);
        }
    }

    /// <summary>
    /// The row plan of the 6-row vector kernels: the fewest computed rows, 6-row tiles first, then 4-row ones
    /// (the returned count is where the 4-row tiles start; the row count itself when there are none).
    /// </summary>
    [Theory]
    [InlineData(128, 120)] // 20×6 + 2×4, not 22×6 with the last tile a third full
    [InlineData(64, 60)]   // 10×6 + 4
    [InlineData(126, 126)] // whole 6-row tiles
    [InlineData(7, 0)]     // 4 + 4 (one row padded), not 6 + 6
    [InlineData(5, 5)]     // one ragged 6-row tile (one row padded); 4 + 4 would pad three
    [InlineData(2, 0)]     // one ragged 4-row tile
    [InlineData(1, 0)]
    [InlineData(9, 6)]     // 6 + 4 (one row padded)
    public void SixRowKernelsPlanShortTilesForTheLastRows(int rows, int tallRows)
    {
        Assert.Equal(tallRows, GemmDriver<float, VectorMicroKernel<float, System.Runtime.Intrinsics.Vector256<float>, Simd256<float>>>.TallRows(rows));
        Assert.Equal(tallRows, GemmDriver<double, VectorMicroKernel<double, System.Runtime.Intrinsics.Vector512<double>, Simd512<double>>>.TallRows(rows));
        Assert.Equal(rows, GemmDriver<float, ScalarMicroKernel<float>>.TallRows(rows)); // the 4×4 kernel has no shorter tile
    }

    /// <summary>
    /// Narrow and small B, where the driver reads row-major A in place instead of packing it: n = 1..40 around
    /// the one- and two-vector tile widths, every layout pair (column-major and strided A take the packed path),
    /// m with and without a ragged last row block, k within one block and across several, beta zero and not.
    /// </summary>
    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void NarrowAndSmallShapesMatchReference(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        var layouts = new[] { OperandLayout.RowMajor, OperandLayout.ColumnMajor, OperandLayout.Strided };
        int[] ks = [1, 37, 300];
        for (int n = 1; n <= 40; n++)
        foreach (var aLayout in layouts)
        foreach (var bLayout in layouts)
        foreach (int m in new[] { 1 + n % 6, 13 })
        {
            int k = ks[(n + (int)aLayout + (int)bLayout) % ks.Length];
            double beta = (n + m) % 2 == 0 ? 0.0 : -1.5;
            var gc = new GemmCase(m, n, k, aLayout, bLayout, 2.5, beta, n * 100 + m);
            GemmCheck.AssertMatchesReference<float>(gc, isa);
            GemmCheck.AssertMatchesReference<double>(gc, isa);
        }
    }

    /// <summary>Negative strides (views that walk rows or columns backwards) are just strides.</summary>
    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public unsafe void NegativeStridesMatchReference(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        const int m = 23, n = 37, k = 41;
        var random = new Random(11);
        float[] a = GemmCheck.Convert<float>(StridedOperand.Random(m, k, OperandLayout.RowMajor, random).Data);
        float[] b = GemmCheck.Convert<float>(StridedOperand.Random(n, k, OperandLayout.RowMajor, random).Data);
        var c = new float[m * n];
        var expected = new double[m * n];
        // A with its rows reversed; B = (stored n×k matrix)ᵀ with its columns reversed.
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Run(m, n, k, 1f, pa + (m - 1) * k, -k, 1, pb + (n - 1) * k, 1, -k, 0f, pc, n, isa);
        fixed (double* pa = GemmCheck.ToDouble(a), pb = GemmCheck.ToDouble(b), pc = expected)
            GemmReference.Run(m, n, k, 1.0, pa + (m - 1) * k, -k, 1, pb + (n - 1) * k, 1, -k, 0.0, pc, n);
        GemmCheck.AssertClose(expected, GemmCheck.ToDouble(c), m, n, n, GemmCheck.Tolerance<float>(k, 1, 1, 1, 0, 0),
            $"negative strides {isa}");
    }

    /// <summary>k = 0 leaves C = beta·C, and beta = 0 clears NaN without reading it.</summary>
    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx512)]
    public unsafe void EmptyInnerDimensionScalesC(CpuIsa isa)
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        float[] nan = [float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN];
        fixed (float* pc = c, pn = nan)
        {
            Gemm.Run(2, 3, 0, 1f, null, 0, 0, null, 0, 0, 2f, pc, 3, isa);
            Gemm.Run(2, 3, 0, 1f, null, 0, 0, null, 0, 0, 0f, pn, 3, isa);
        }
        Assert.Equal([2f, 4, 6, 8, 10, 12], c);
        Assert.All(nan, x => Assert.Equal(0f, x));
    }

    /// <summary>m = 0 or n = 0 touches nothing.</summary>
    [Fact]
    public unsafe void EmptyOutputIsANoOp()
    {
        double[] c = [7, 8];
        fixed (double* pc = c)
        {
            Gemm.Run(0, 2, 5, 1.0, null, 0, 0, null, 0, 0, 0.0, pc, 2);
            Gemm.Run(1, 0, 5, 1.0, null, 0, 0, null, 0, 0, 0.0, pc, 2);
        }
        Assert.Equal([7.0, 8], c);
    }

    /// <summary>Batched GEMM with A broadcast over the batch, then B broadcast, equals per-item references.</summary>
    [Theory]
    [InlineData(CpuIsa.Scalar, 5, 17, 23, 9)]
    [InlineData(CpuIsa.Avx512, 3, 7, 40, 33)]
    [InlineData(CpuIsa.Avx2, 6, 70, 90, 150)]
    public unsafe void BatchedWithBroadcastMatchesReference(CpuIsa isa, int batch, int m, int n, int k)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        foreach (bool broadcastA in new[] { true, false })
        {
            var random = new Random(batch * 31 + m);
            var a = StridedOperand.Random(m, k * batch, OperandLayout.RowMajor, random);
            var b = StridedOperand.Random(k * batch, n, OperandLayout.ColumnMajor, random);
            long[] aOffsets = Enumerable.Range(0, batch).Select(i => broadcastA ? 0L : i * (long)k).ToArray();
            long[] bOffsets = Enumerable.Range(0, batch).Select(i => broadcastA ? i * (long)k : 0L).ToArray();
            long[] cOffsets = Enumerable.Range(0, batch).Select(i => i * (long)m * n).ToArray();
            var c = new float[batch * m * n];
            var expected = new double[batch * m * n];
            float[] aF = GemmCheck.Convert<float>(a.Data), bF = GemmCheck.Convert<float>(b.Data);
            fixed (float* pa = aF, pb = bF, pc = c)
                Gemm.RunBatched(batch, m, n, k, 1f, pa, aOffsets, a.RowStride, a.ColStride,
                    pb, bOffsets, b.RowStride, b.ColStride, 0f, pc, cOffsets, n, isa);
            fixed (double* pa = GemmCheck.ToDouble(aF), pb = GemmCheck.ToDouble(bF), pc = expected)
            {
                for (int i = 0; i < batch; i++)
                    GemmReference.Run(m, n, k, 1.0, pa + aOffsets[i], a.RowStride, a.ColStride,
                        pb + bOffsets[i], b.RowStride, b.ColStride, 0.0, pc + cOffsets[i], n);
            }
            double tolerance = GemmCheck.Tolerance<float>(k, 1, 1, 1, 0, 0);
            GemmCheck.AssertClose(expected, GemmCheck.ToDouble(c), batch * m, n, n, tolerance, $"batched broadcastA={broadcastA}");
        }
    }

    /// <summary>Negative sizes are rejected, naming the size and its value.</summary>
    [Theory]
    [InlineData(-1, 2, 3, "m")]
    [InlineData(1, -2, 3, "n")]
    [InlineData(1, 2, -3, "k")]
    public unsafe void NegativeSizesThrow(int m, int n, int k, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Run(m, n, k, 1f, (float*)null, 0, 0, (float*)null, 0, 0, 0f, (float*)null, 0));
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"m={m}, n={n}, k={k}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            GemmReference.Run(m, n, k, 1.0, (double*)null, 0, 0, (double*)null, 0, 0, 0.0, (double*)null, 0));
    }

    /// <summary>Offset spans must have one entry per batch item.</summary>
    [Fact]
    public unsafe void BatchedRejectsWrongOffsetCounts()
    {
        long[] two = [0, 0], three = [0, 0, 0];
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.RunBatched(3, 1, 1, 1, 1f, (float*)null, three, 1, 1, (float*)null, two, 1, 1, 0f, (float*)null, three, 1));
        Assert.Equal("bOffsets", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.RunBatched(-1, 1, 1, 1, 1f, (float*)null, [], 1, 1, (float*)null, [], 1, 1, 0f, (float*)null, [], 1));
    }

    /// <summary>Element types other than float and double are refused, by name.</summary>
    [Fact]
    public unsafe void UnsupportedElementTypeThrows()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            Gemm.Run(1, 1, 1, Half.One, (Half*)null, 1, 1, (Half*)null, 1, 1, Half.Zero, (Half*)null, 1));
        Assert.Contains("Half", e.Message);
    }
}

/// <summary>Splitting a GEMM (or a batch) over threads changes nothing, bit for bit.</summary>
[Collection(nameof(GlobalKernelSettings))]
public class GemmThreadingTests
{
    /// <summary>
    /// One thread and several threads give identical C, whichever dimension gets split (each shape is big
    /// enough, over 3·2^20 multiply-adds, for the driver to use up to three threads), including narrow B with
    /// A read in place, row- or column-major, and row splits with A packed (B too wide for the in-place rule;
    /// 4200 columns also cross a B panel boundary).
    /// </summary>
    [Theory]
    [InlineData(CpuIsa.Avx2, 700, 600, 300, false)]
    [InlineData(CpuIsa.Avx2, 700, 600, 300, true)]
    [InlineData(CpuIsa.Avx2, 1700, 4200, 24, false)]
    [InlineData(CpuIsa.Scalar, 900, 500, 300, false)]
    [InlineData(CpuIsa.Avx512, 500, 520, 300, false)]
    [InlineData(CpuIsa.Avx2, 300, 257, 190, false)]
    [InlineData(CpuIsa.Avx2, 400, 12, 700, false)]
    [InlineData(CpuIsa.Avx2, 7, 1500, 300, false)]
    [InlineData(CpuIsa.Scalar, 97, 131, 250, false)]
    [InlineData(CpuIsa.Avx512, 61, 150, 350, false)]
    [InlineData(CpuIsa.Avx2, 1000, 10, 512, false)]
    [InlineData(CpuIsa.Avx2, 601, 33, 200, false)]
    [InlineData(CpuIsa.Avx2, 131, 130, 190, false)]
    [InlineData(CpuIsa.Avx512, 700, 17, 300, false)]
    [InlineData(CpuIsa.Scalar, 3001, 3, 400, false)]
    [InlineData(CpuIsa.Avx2, 1000, 10, 512, true)]
    [InlineData(CpuIsa.Avx2, 1501, 16, 150, true)]
    [InlineData(CpuIsa.Avx512, 700, 17, 300, true)]
    public unsafe void ThreadedEqualsSingleThreaded(CpuIsa isa, int m, int n, int k, bool columnMajorA)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        var random = new Random(m + n + k);
        var aLayout = columnMajorA ? OperandLayout.ColumnMajor : OperandLayout.RowMajor;
        var a = GemmCheck.Convert<float>(StridedOperand.Random(m, k, aLayout, random).Data);
        var b = GemmCheck.Convert<float>(StridedOperand.Random(k, n, OperandLayout.ColumnMajor, random).Data);
        long aRowStride = columnMajorA ? 1 : k, aColStride = columnMajorA ? m : 1;
        var c0 = GemmCheck.Convert<float>(GemmCheck.InitialC(m, n, 1, random));
        float[] Multiply(int threads)
        {
            float[] c = (float[])c0.Clone();
            WithThreads(threads, () =>
            {
                fixed (float* pa = a, pb = b, pc = c)
                    Gemm.Run(m, n, k, 0.75f, pa, aRowStride, aColStride, pb, 1, k, -1.25f, pc, n + 3, isa);
            });
            return c;
        }
        Assert.Equal(Multiply(1), Multiply(2));
        Assert.Equal(Multiply(1), Multiply(3));
    }

    /// <summary>A batch of small GEMMs split over threads gives the same C as one thread.</summary>
    [Fact]
    public unsafe void ThreadedBatchEqualsSingleThreaded()
    {
        const int batch = 9, m = 13, n = 20, k = 11;
        var random = new Random(5);
        var a = GemmCheck.Convert<double>(StridedOperand.Random(m * batch, k, OperandLayout.RowMajor, random).Data);
        var b = GemmCheck.Convert<double>(StridedOperand.Random(k, n, OperandLayout.RowMajor, random).Data);
        long[] aOffsets = Enumerable.Range(0, batch).Select(i => (long)i * m * k).ToArray();
        long[] bOffsets = new long[batch];
        long[] cOffsets = Enumerable.Range(0, batch).Select(i => (long)i * m * n).ToArray();
        double[] Multiply(int threads)
        {
            var c = new double[batch * m * n];
            WithThreads(threads, () =>
            {
                fixed (double* pa = a, pb = b, pc = c)
                    Gemm.RunBatched(batch, m, n, k, 1.0, pa, aOffsets, k, 1, pb, bOffsets, n, 1, 0.0, pc, cOffsets, n);
            });
            return c;
        }
        Assert.Equal(Multiply(1), Multiply(2));
    }

    private static void WithThreads(int threads, Action action)
    {
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = threads;
            action();
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }

    /// <summary>
    /// The cache-block step the loop nest uses: a multiple of the tile size (else the last packed sliver would overrun
    /// a buffer sized step·kc), within the cap rounded down to that multiple, and covering the length in as few
    /// blocks as the cap allows.
    /// </summary>
    [Property(MaxTest = 500)]
    public void Block_steps_are_whole_tiles_within_the_cap(PositiveInt length, PositiveInt max, PositiveInt multiple)
    {
        int n = length.Get % 5000 + 1, cap = max.Get % 400 + 1, tile = multiple.Get % 16 + 1;
        int step = GemmDriver<float, ScalarMicroKernel<float>>.BalancedStep(n, cap, tile);
        int roundedCap = Math.Max(tile, cap / tile * tile);
        Assert.Equal(0, step % tile);
        Assert.InRange(step, tile, roundedCap);
        Assert.Equal((n + roundedCap - 1) / roundedCap, (n + step - 1) / step);
    }
}
