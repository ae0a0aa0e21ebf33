using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using Engine.Tests.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The GPU GEMM kernels (blocked, tiled and one-thread-per-element) on the CPU simulator against
/// <see cref="GemmReference"/> in double: random and tile-edge sizes in 1..150, all transpose combinations,
/// strided operands, alpha/beta incl. beta = 0 over a NaN-filled C, batches with broadcast operands, and the
/// blocked kernel's 4-wide loads both taken and refused.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuGemmTests(SimulatorFixture fixture)
{
    /// <summary>Elements of junk in front of every operand, so the base offsets are exercised.</summary>
    private const int Lead = 5;

    /// <summary>Junk in front of operands that should be 4-aligned (8 elements: 32 bytes float, 64 bytes double).</summary>
    private const int AlignedLead = 8;

    private const int LdcPadding = 3;
    private const double PaddingSentinel = 12345.5;

    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>Tile edges (1, 17, 33, 64, 65) in every transpose combination, strided operands, and random sizes.</summary>
    public static TheoryData<int, int, int, OperandLayout, OperandLayout, double, double> Cases()
    {
        const OperandLayout R = OperandLayout.RowMajor, C = OperandLayout.ColumnMajor, S = OperandLayout.Strided;
        var data = new TheoryData<int, int, int, OperandLayout, OperandLayout, double, double>
        {
            { 1, 1, 1, R, R, 1.0, 0.0 },
            { 17, 33, 65, R, R, 1.0, 0.0 },
            { 64, 64, 64, C, R, -0.5, 1.0 },
            { 65, 17, 33, R, C, 2.5, -1.5 },
            { 33, 65, 17, C, C, 1.0, 0.0 },
            { 65, 1, 64, S, R, 1.0, 1.0 },
            { 1, 65, 17, R, S, -0.5, 0.0 },
            { 23, 41, 7, S, S, 2.5, -1.5 },
        };
        var random = new Random(20261129);
        OperandLayout[] layouts = [R, C, S];
        double[] alphas = [1.0, -0.5, 2.5], betas = [0.0, 1.0, -1.5];
        for (int i = 0; i < 4; i++)
            data.Add(random.Next(1, 71), random.Next(1, 71), random.Next(1, 71), layouts[random.Next(3)],
                layouts[random.Next(3)], alphas[random.Next(3)], betas[random.Next(3)]);
        return data;
    }

    /// <summary>Every kernel, float and double, agrees with the reference on one case.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void KernelsMatchReference(int m, int n, int k, OperandLayout aLayout, OperandLayout bLayout, double alpha, double beta)
    {
        var gc = new GemmCase(m, n, k, aLayout, bLayout, alpha, beta, Seed: m * 10007 + n * 101 + k);
        foreach (var algorithm in new[] { GpuGemmAlgorithm.Blocked, GpuGemmAlgorithm.Tiled, GpuGemmAlgorithm.Reference })
        {
            AssertMatchesReference<float>(gc, algorithm, Lead);
            AssertMatchesReference<double>(gc, algorithm, Lead);
        }
    }

    /// <summary>
    /// The blocked kernel's tile edges (127, 128, 129, 131: one tile, a full one, one row or column into the next)
    /// and random sizes in 1..150, in every transpose combination and with strided operands. The operands start
    /// 4-aligned (lead 8), so where the strides are multiples of 4 the interior slices go through 4-wide loads.
    /// </summary>
    public static TheoryData<int, int, int, OperandLayout, OperandLayout, double, double> BlockedCases()
    {
        const OperandLayout R = OperandLayout.RowMajor, C = OperandLayout.ColumnMajor, S = OperandLayout.Strided;
        var data = new TheoryData<int, int, int, OperandLayout, OperandLayout, double, double>
        {
            { 128, 128, 16, R, R, 1.0, 0.0 },
            { 129, 131, 20, C, R, -0.5, 1.0 },
            { 132, 136, 17, R, C, 2.5, -1.5 },
            { 127, 129, 12, C, C, 1.0, 0.0 },
            { 131, 1, 9, R, R, 1.0, 1.0 },
            { 1, 131, 24, R, R, -0.5, 0.0 },
            { 136, 140, 8, S, R, 1.0, 0.0 },
            { 140, 7, 1, R, S, 2.5, -1.5 },
        };
        var random = new Random(20261130);
        OperandLayout[] layouts = [R, C, S];
        double[] alphas = [1.0, -0.5, 2.5], betas = [0.0, 1.0, -1.5];
        for (int i = 0; i < 3; i++)
            data.Add(random.Next(1, 151), random.Next(1, 151), random.Next(1, 41), layouts[random.Next(3)],
                layouts[random.Next(3)], alphas[random.Next(3)], betas[random.Next(3)]);
        return data;
    }

    /// <summary>The blocked kernel, float and double, agrees with the reference around its 128-wide tiles.</summary>
    [Theory]
    [MemberData(nameof(BlockedCases))]
    public void BlockedMatchesReferenceAroundTileEdges(int m, int n, int k, OperandLayout aLayout, OperandLayout bLayout,
        double alpha, double beta)
    {
        var gc = new GemmCase(m, n, k, aLayout, bLayout, alpha, beta, Seed: m * 10007 + n * 101 + k);
        AssertMatchesReference<float>(gc, GpuGemmAlgorithm.Blocked, AlignedLead);
        AssertMatchesReference<double>(gc, GpuGemmAlgorithm.Blocked, AlignedLead);
    }

    /// <summary>
    /// 4-wide loads are allowed exactly when the contiguous stride is 1, the other stride and the offset are
    /// multiples of 4 and the view starts a multiple of 4 elements into its buffer.
    /// </summary>
    [Fact]
    public void VectorLoadsNeedAlignedUnitStrideOperands()
    {
        using var floatBuffer = _accelerator.Allocate1D<float>(64);
        using var doubleBuffer = _accelerator.Allocate1D<double>(64);
        ArrayView<float> floats = floatBuffer.View;
        ArrayView<double> doubles = doubleBuffer.View;
        Assert.Equal(BlockedGemmKernel.VectorA | BlockedGemmKernel.VectorB, VectorLoads(floats, 8, 1, 4, 0, 12, 1));
        Assert.Equal(BlockedGemmKernel.VectorA | BlockedGemmKernel.VectorB, VectorLoads(doubles, 4, 12, 1, 8, 1, 4));
        Assert.Equal(BlockedGemmKernel.VectorB, VectorLoads(floats, 5, 4, 1, 8, 12, 1));
        Assert.Equal(BlockedGemmKernel.VectorA, VectorLoads(floats, 4, 1, 8, 0, 6, 1));
        Assert.Equal(BlockedGemmKernel.VectorA, VectorLoads(floats, 0, 1, 8, 0, 2, 2));
        Assert.Equal(0, VectorLoads(floats.SubView(1, 63), 0, 1, 8, 0, 4, 1));
        Assert.Equal(0, VectorLoads(doubles.SubView(2, 62), 0, 8, 1, 0, 4, 1));
    }

    /// <summary>
    /// A batch whose per-item offsets are 4-aligned takes the 4-wide loads; one with an odd item offset must fall
    /// back to scalar loads for that item (checked on the device), and both agree with the reference.
    /// </summary>
    [Theory]
    [InlineData(8L)]
    [InlineData(5L)]
    public void BlockedBatchHandlesItemAlignment(long secondItemShift)
    {
        AssertBatchMatchesReference<float>(GpuGemmAlgorithm.Blocked, broadcastA: false, 2, 130, 132, 16, 1.0, 0.0, secondItemShift);
        AssertBatchMatchesReference<double>(GpuGemmAlgorithm.Blocked, broadcastA: true, 2, 129, 128, 12, -0.5, 1.0, secondItemShift);
    }

    /// <summary>beta = 0 over a C full of NaN: C is only written, so no NaN leaks into the result.</summary>
    [Theory]
    [InlineData(GpuGemmAlgorithm.Blocked)]
    [InlineData(GpuGemmAlgorithm.Tiled)]
    [InlineData(GpuGemmAlgorithm.Reference)]
    public void ZeroBetaNeverReadsC(GpuGemmAlgorithm algorithm)
    {
        var gc = new GemmCase(33, 65, 17, OperandLayout.ColumnMajor, OperandLayout.RowMajor, -0.5, 0.0, Seed: 3);
        AssertMatchesReference<float>(gc, algorithm, Lead);
        AssertMatchesReference<double>(gc, algorithm, Lead);
    }

    /// <summary>k = 0 leaves C = beta·C (and beta = 0 clears it).</summary>
    [Theory]
    [InlineData(GpuGemmAlgorithm.Blocked, 1.0, 0.0)]
    [InlineData(GpuGemmAlgorithm.Blocked, 2.0, -1.5)]
    [InlineData(GpuGemmAlgorithm.Tiled, 1.0, 0.0)]
    [InlineData(GpuGemmAlgorithm.Tiled, 2.0, -1.5)]
    [InlineData(GpuGemmAlgorithm.Reference, 2.0, -1.5)]
    public void EmptyInnerDimensionScalesC(GpuGemmAlgorithm algorithm, double alpha, double beta)
    {
        var gc = new GemmCase(9, 70, 0, OperandLayout.RowMajor, OperandLayout.RowMajor, alpha, beta, Seed: 11);
        AssertMatchesReference<float>(gc, algorithm, Lead);
        AssertMatchesReference<double>(gc, algorithm, Lead);
    }

    /// <summary>Batches where one operand is broadcast (the same offset for every item) and the other is not.</summary>
    [Theory]
    [InlineData(GpuGemmAlgorithm.Blocked, true)]
    [InlineData(GpuGemmAlgorithm.Blocked, false)]
    [InlineData(GpuGemmAlgorithm.Tiled, true)]
    [InlineData(GpuGemmAlgorithm.Tiled, false)]
    [InlineData(GpuGemmAlgorithm.Reference, true)]
    public void BatchedMatchesReferencePerItem(GpuGemmAlgorithm algorithm, bool broadcastA)
    {
        AssertBatchMatchesReference<float>(algorithm, broadcastA, 4, 17, 33, 65, 1.0, 0.0, 0);
        AssertBatchMatchesReference<double>(algorithm, broadcastA, 3, 65, 9, 20, -0.5, 1.0, 0);
    }

    /// <summary>
    /// A strided batch over two axes [2, 3] (the kernels compute each item's offsets): A broadcast along axis 0, B
    /// with an unaligned gap between items, C padded between items; every kernel, float and double.
    /// </summary>
    [Theory]
    [InlineData(GpuGemmAlgorithm.Blocked)]
    [InlineData(GpuGemmAlgorithm.Tiled)]
    [InlineData(GpuGemmAlgorithm.Reference)]
    public void StridedBatchMatchesReferencePerItem(GpuGemmAlgorithm algorithm)
    {
        AssertStridedBatchMatchesReference<float>(algorithm, 17, 33, 65);
        AssertStridedBatchMatchesReference<double>(algorithm, 9, 20, 7);
    }

    [Fact]
    public void StridedBatchLayoutsAreChecked()
    {
        Assert.Contains("at most 4 axes", Assert.Throws<ArgumentException>(() =>
            GemmBatchLayout.Create([2, 2, 2, 2, 2], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmBatchLayout.Create([2], [-1], [0], [4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmBatchLayout.Create([0], [1], [0], [4]));
        Assert.Equal(6, GemmBatchLayout.Create([2, 3], [0, 4], [12, 4], [12, 4]).Items);
        using var small = _accelerator.Allocate1D<float>(16);
        // Item 5 of 6 starts B at 5·4 = 20: past the 16 elements of the view.
        var layout = GemmBatchLayout.Create([6], [0], [4], [0]);
        var e = Assert.Throws<ArgumentException>(() => GpuGemm.RunBatched(_accelerator, layout, 2, 2, 2, 1f,
            small.View, 2, 1, small.View, 2, 1, 0f, small.View, 2));
        Assert.Contains("B (2×2, offset 20", e.Message);
    }

    /// <summary>m = 0, n = 0 or batch = 0 launch nothing and leave C alone.</summary>
    [Fact]
    public void EmptyProblemsLeaveCAlone()
    {
        using var a = _accelerator.Allocate1D(new float[] { 1 });
        using var c = _accelerator.Allocate1D(new[] { 7f });
        GpuGemm.Run(_accelerator, 0, 1, 1, 1f, a.View, 0, 1, 1, a.View, 0, 1, 1, 0f, c.View, 0, 1);
        GpuGemm.Run(_accelerator, 1, 0, 1, 1f, a.View, 0, 1, 1, a.View, 0, 1, 1, 0f, c.View, 0, 1);
        GpuGemm.RunBatched(_accelerator, 0, 1, 1, 1, 1f, a.View, ArrayView<long>.Empty, 1, 1,
            a.View, ArrayView<long>.Empty, 1, 1, 0f, c.View, ArrayView<long>.Empty, 1);
        Assert.Equal(7f, c.GetAsArray1D()[0]);
    }

    /// <summary>The kernels are loaded (compiled) once per accelerator and element type, not per call.</summary>
    [Fact]
    public void KernelsAreLoadedOncePerAccelerator()
    {
        var floatKernels = GemmKernels<float>.For(_accelerator);
        Assert.Same(floatKernels, GemmKernels<float>.For(_accelerator));
        Assert.Same(floatKernels.Blocked, floatKernels.Blocked);
        Assert.Same(floatKernels.Tiled, floatKernels.Tiled);
        Assert.Same(floatKernels.Reference, floatKernels.Reference);
        Assert.Same(GemmKernels<double>.For(_accelerator), GemmKernels<double>.For(_accelerator));
    }

    /// <summary>Bad arguments throw with the op, the shape and the parameter in the message.</summary>
    [Fact]
    public void BadArgumentsThrowNamingTheProblem()
    {
        using var small = _accelerator.Allocate1D<double>(12);
        using var offsets = _accelerator.Allocate1D<long>(2);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() =>
            GpuGemm.Run(_accelerator, -1, 3, 4, 1.0, small.View, 0, 4, 1, small.View, 0, 3, 1, 0.0, small.View, 0, 3));
        Assert.Contains("m=-1", negative.Message);

        var tooShort = Assert.Throws<ArgumentException>(() =>
            GpuGemm.Run(_accelerator, 3, 4, 4, 1.0, small.View, 1, 4, 1, small.View, 0, 4, 1, 0.0, small.View, 0, 4));
        Assert.Contains("GpuGemm (m=3, n=4, k=4): A", tooShort.Message);

        var badStride = Assert.Throws<ArgumentOutOfRangeException>(() =>
            GpuGemm.Run(_accelerator, 2, 2, 2, 1.0, small.View, 0, -2, 1, small.View, 0, 2, 1, 0.0, small.View, 0, 2));
        Assert.Contains("aRowStride", badStride.Message);

        var offsetCount = Assert.Throws<ArgumentException>(() =>
            GpuGemm.RunBatched(_accelerator, 3, 2, 2, 2, 1.0, small.View, offsets.View, 2, 1,
                small.View, offsets.View, 2, 1, 0.0, small.View, offsets.View, 2));
        Assert.Contains("aOffsets has 2 entries but batch is 3", offsetCount.Message);
    }

    /// <summary>The blocked kernel's flags for A = x[offset + i·ars + p·acs] and B = x[offset + p·brs + j·bcs] (m, n, k = 4).</summary>
    private static int VectorLoads<T>(ArrayView<T> x, long offset, long ars, long acs, long bOffset, long brs, long bcs)
        where T : unmanaged, INumber<T> =>
        BlockedGemmKernel.VectorLoads(new GemmProblem<T>
        {
            M = 4, N = 4, K = 4, AOffset = offset, ARowStride = ars, AColStride = acs,
            BOffset = bOffset, BRowStride = brs, BColStride = bcs, Ldc = 4,
        }, x, x);

    private void AssertMatchesReference<T>(GemmCase gc, GpuGemmAlgorithm algorithm, int lead) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(gc.Seed);
        var a = StridedOperand.Random(Math.Max(gc.M, 1), Math.Max(gc.K, 1), gc.ALayout, random);
        var b = StridedOperand.Random(Math.Max(gc.K, 1), Math.Max(gc.N, 1), gc.BLayout, random);
        int ldc = gc.N + LdcPadding;
        T[] aT = WithLead<T>(a.Data, lead), bT = WithLead<T>(b.Data, lead);
        T[] cT = GemmCheck.Convert<T>(InitialC(gc.M, gc.N, gc.Beta, random));

        // The oracle sees exactly the values the kernel sees (rounded to T), computed in double.
        double[] expected = GemmCheck.ToDouble(cT);
        fixed (double* pa = GemmCheck.ToDouble(aT), pb = GemmCheck.ToDouble(bT), pc = expected)
            GemmReference.Run(gc.M, gc.N, gc.K, gc.Alpha, pa + lead, a.RowStride, a.ColStride,
                pb + lead, b.RowStride, b.ColStride, gc.Beta, pc, ldc);

        using var aBuffer = _accelerator.Allocate1D(aT);
        using var bBuffer = _accelerator.Allocate1D(bT);
        using var cBuffer = _accelerator.Allocate1D(cT);
        GpuGemm.Run(_accelerator, gc.M, gc.N, gc.K, T.CreateTruncating(gc.Alpha),
            aBuffer.View, lead, a.RowStride, a.ColStride, bBuffer.View, lead, b.RowStride, b.ColStride,
            T.CreateTruncating(gc.Beta), cBuffer.View, 0, ldc, algorithm);
        double[] actual = GemmCheck.ToDouble(cBuffer.GetAsArray1D());
        AssertClose<T>(expected, actual, 0, gc.M, gc.N, ldc, $"{typeof(T).Name} {algorithm} {gc}");
    }

    private void AssertBatchMatchesReference<T>(GpuGemmAlgorithm algorithm, bool broadcastA, int batch,
        int m, int n, int k, double alpha, double beta, long itemShift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(batch * 1000 + m);
        // Non-broadcast items sit itemShift elements apart on top of their size (a gap, or an unaligned start).
        long aSize = m * k + (broadcastA ? 0 : itemShift), bSize = k * n + (broadcastA ? itemShift : 0);
        int ldc = n + LdcPadding, cSize = m * ldc;
        T[] aT = WithLead<T>(RandomValues((int)((broadcastA ? 1 : batch) * aSize), random), AlignedLead);
        T[] bT = WithLead<T>(RandomValues((int)((broadcastA ? batch : 1) * bSize), random), AlignedLead);
        T[] cT = GemmCheck.Convert<T>(Enumerable.Range(0, batch).SelectMany(_ => InitialC(m, n, beta, random)).ToArray());
        // A row-major, B column-major: item t's operands start at AlignedLead + t·size unless broadcast (all there).
        long[] aOffsets = Enumerable.Range(0, batch).Select(t => AlignedLead + (broadcastA ? 0L : t * aSize)).ToArray();
        long[] bOffsets = Enumerable.Range(0, batch).Select(t => AlignedLead + (broadcastA ? t * bSize : 0L)).ToArray();
        long[] cOffsets = Enumerable.Range(0, batch).Select(t => (long)t * cSize).ToArray();

        double[] expected = GemmCheck.ToDouble(cT);
        fixed (double* pa = GemmCheck.ToDouble(aT), pb = GemmCheck.ToDouble(bT), pc = expected)
            for (int t = 0; t < batch; t++)
                GemmReference.Run(m, n, k, alpha, pa + aOffsets[t], k, 1, pb + bOffsets[t], 1, k, beta, pc + cOffsets[t], ldc);

        using var aBuffer = _accelerator.Allocate1D(aT);
        using var bBuffer = _accelerator.Allocate1D(bT);
        using var cBuffer = _accelerator.Allocate1D(cT);
        using var aOffsetBuffer = _accelerator.Allocate1D(aOffsets);
        using var bOffsetBuffer = _accelerator.Allocate1D(bOffsets);
        using var cOffsetBuffer = _accelerator.Allocate1D(cOffsets);
        GpuGemm.RunBatched(_accelerator, batch, m, n, k, T.CreateTruncating(alpha),
            aBuffer.View, aOffsetBuffer.View, k, 1, bBuffer.View, bOffsetBuffer.View, 1, k,
            T.CreateTruncating(beta), cBuffer.View, cOffsetBuffer.View, ldc, algorithm);
        double[] actual = GemmCheck.ToDouble(cBuffer.GetAsArray1D());
        for (int t = 0; t < batch; t++)
            AssertClose<T>(expected, actual, cOffsets[t], m, n, ldc,
                $"{typeof(T).Name} {algorithm} batch item {t}/{batch} m={m} n={n} k={k} broadcast {(broadcastA ? "A" : "B")}");
    }

    private void AssertStridedBatchMatchesReference<T>(GpuGemmAlgorithm algorithm, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m * 31 + n);
        const int outer = 2, inner = 3;
        long aItem = m * k, bItem = k * n + 3, cItem = m * (n + LdcPadding) + 5;
        int ldc = n + LdcPadding;
        var layout = GemmBatchLayout.Create([outer, inner], [0, aItem], [inner * bItem, bItem], [inner * cItem, cItem]);
        T[] aT = GemmCheck.Convert<T>(RandomValues((int)(inner * aItem), random));
        T[] bT = GemmCheck.Convert<T>(RandomValues((int)(outer * inner * bItem), random));
        T[] cT = GemmCheck.Convert<T>(Enumerable.Repeat(PaddingSentinel, (int)(outer * inner * cItem)).ToArray());
        double[] expected = GemmCheck.ToDouble(cT);
        fixed (double* pa = GemmCheck.ToDouble(aT), pb = GemmCheck.ToDouble(bT), pc = expected)
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    GemmReference.Run(m, n, k, 1.0, pa + i * aItem, k, 1, pb + (o * inner + i) * bItem, n, 1, 0.0,
                        pc + (o * inner + i) * cItem, ldc);

        using var aBuffer = _accelerator.Allocate1D(aT);
        using var bBuffer = _accelerator.Allocate1D(bT);
        using var cBuffer = _accelerator.Allocate1D(cT);
        GpuGemm.RunBatched(_accelerator, layout, m, n, k, T.One, aBuffer.View, k, 1, bBuffer.View, n, 1, T.Zero,
            cBuffer.View, ldc, algorithm);
        double[] actual = GemmCheck.ToDouble(cBuffer.GetAsArray1D());
        for (int t = 0; t < outer * inner; t++)
            AssertClose<T>(expected, actual, t * cItem, m, n, ldc, $"{typeof(T).Name} {algorithm} strided item {t} m={m} n={n} k={k}");
    }

    /// <summary>
    /// The normalised error Σ(x−e)²/Σe² of one C is at most 1e-6 (float) or 1e-10 (double), every element is
    /// finite, and the padding between rows is untouched.
    /// </summary>
    private static void AssertClose<T>(double[] expected, double[] actual, long start, int m, int n, int ldc, string what)
    {
        double bound = typeof(T) == typeof(float) ? 1e-6 : 1e-10;
        double squaredError = 0, squaredNorm = 0;
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
        {
            long at = start + (long)i * ldc + j;
            double e = expected[at], x = actual[at];
            if (j >= n)
            {
                Assert.True(x == PaddingSentinel, $"{what}: C padding ({i},{j}) was overwritten with {x}");
                continue;
            }
            Assert.True(double.IsFinite(x), $"{what}: C({i},{j}) = {x}, expected {e}");
            squaredError += (x - e) * (x - e);
            squaredNorm += e * e;
        }
        Assert.True(squaredError <= bound * squaredNorm,
            $"{what}: normalised error {squaredError / squaredNorm:E2} exceeds {bound:E0}");
    }

    /// <summary>The initial C (ldc = n + padding): random, or NaN when beta is 0; padding holds a sentinel.</summary>
    private static double[] InitialC(int m, int n, double beta, Random random)
    {
        int ldc = n + LdcPadding;
        var c = new double[m * ldc];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
            c[i * ldc + j] = j >= n ? PaddingSentinel : beta == 0 ? double.NaN : random.NextDouble() * 2 - 1;
        return c;
    }

    private static double[] RandomValues(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();

    /// <summary>The values converted to T behind <paramref name="lead"/> junk elements (NaN, so reading them shows).</summary>
    private static T[] WithLead<T>(double[] values, int lead) where T : unmanaged, IFloatingPointIeee754<T> =>
        GemmCheck.Convert<T>([.. Enumerable.Repeat(double.NaN, lead), .. values]);
}
