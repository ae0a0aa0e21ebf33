using Engine.Kernels.Cpu;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>
/// Properties of the elementwise kernels on every path: random lengths 0..300 (so every tail length of
/// every vector width occurs), random values including specials, compared with the per-element Reference.
/// </summary>
public sealed unsafe class ElementwiseTests
{
    private static readonly CpuIsa[] Paths = IsaPaths.Executable;

    private static readonly float[] FloatSpecials =
        [0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-40f, -1e-40f, 88.7f, -87.5f, 100f, -100f];

    /// <summary>Log-spaced magnitudes of both signs (1e-6..1e3), with a sprinkling of special values.</summary>
    private static double[] RandomValues(Random random, int length)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            if (random.Next(10) == 0) { values[i] = FloatSpecials[random.Next(FloatSpecials.Length)]; continue; }
            double magnitude = Math.Exp(random.NextDouble() * Math.Log(1e9) + Math.Log(1e-6));
            values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }
        return values;
    }

    /// <summary>
    /// Relative tolerance (with an absolute floor at the smallest normal) of each op on T: the accuracy
    /// bound everywhere, except GeluTanh (its rounded argument u is amplified by 2|u| for x ≪ 0, see the
    /// accuracy tests) and PowScalar (x³ as x·x·x rounds twice).
    /// </summary>
    private static double Tolerance(UnaryOp op, bool isFloat) => op switch
    {
        UnaryOp.GeluTanh => isFloat ? 2e-5 : 1e-12,
        UnaryOp.PowScalar => isFloat ? 2e-7 : 4e-16,
        _ => isFloat ? 5e-7 : 1e-14,
    };

    private static bool Close(double got, double want, double tolerance, double smallestNormal)
    {
        if (double.IsNaN(want)) return double.IsNaN(got);
        if (double.IsInfinity(want) || double.IsInfinity(got)) return got == want;
        return Math.Abs(got - want) <= tolerance * Math.Max(Math.Abs(want), smallestNormal);
    }

    private static (float Alpha, float Beta) ParametersOf(UnaryOp op, Random random) => op switch
    {
        UnaryOp.LeakyRelu => (0.01f, 0f),
        UnaryOp.Elu => (1.5f, 0f),
        UnaryOp.Clamp => (-2f, 3f),
        UnaryOp.PowScalar => (new[] { 2f, 3f, -1f, 0f, 1f, 0.5f, 1.7f }[random.Next(7)], 0f),
        _ => (0f, 0f),
    };

    [Property(MaxTest = 60)]
    public bool Unary_float_matches_reference_on_every_path(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        float[] x = RandomValues(random, length).Select(v => (float)v).ToArray();
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>())
        {
            var (alpha, beta) = ParametersOf(op, random);
            foreach (var isa in Paths)
            {
                var y = new float[length];
                Unary.Apply(op, x, y, alpha, beta, isa);
                for (int i = 0; i < length; i++)
                {
                    double want = Unary.Reference<double>(op, x[i], alpha, beta);
                    if (Math.Abs(want) > float.MaxValue) want = want > 0 ? double.PositiveInfinity : double.NegativeInfinity;
                    if (!Close(y[i], want, Tolerance(op, true), 1.1754943508222875e-38))
                        throw new Xunit.Sdk.XunitException($"{op} {isa} float x={x[i]:R} α={alpha} got {y[i]:R} want {want:R}");
                }
            }
        }
        return true;
    }

    [Property(MaxTest = 30)]
    public bool Unary_double_matches_reference_on_every_path(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        double[] x = RandomValues(random, length);
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>())
        {
            var (alpha, beta) = ParametersOf(op, random);
            foreach (var isa in Paths)
            {
                var y = new double[length];
                Unary.Apply(op, x, y, alpha, beta, isa);
                for (int i = 0; i < length; i++)
                {
                    double want = Unary.Reference<double>(op, x[i], alpha, beta);
                    if (!Close(y[i], want, Tolerance(op, false), 2.2250738585072014e-308))
                        throw new Xunit.Sdk.XunitException($"{op} {isa} double x={x[i]:R} got {y[i]:R} want {want:R}");
                }
            }
        }
        return true;
    }

    [Property(MaxTest = 20)]
    public bool Unary_in_place_equals_out_of_place(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        float[] x = RandomValues(random, length).Select(v => (float)v).ToArray();
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>())
        foreach (var isa in Paths)
        {
            var expected = new float[length];
            Unary.Apply(op, x, expected, 1.5f, 2f, isa);
            var buffer = (float[])x.Clone();
            Unary.Apply(op, buffer, buffer, 1.5f, 2f, isa);
            for (int i = 0; i < length; i++)
                if (BitConverter.SingleToInt32Bits(buffer[i]) != BitConverter.SingleToInt32Bits(expected[i])
                    && !(float.IsNaN(buffer[i]) && float.IsNaN(expected[i])))
                    throw new Xunit.Sdk.XunitException($"{op} {isa} in place differs at {i}");
        }
        return true;
    }

    [Fact]
    public void Unary_splits_long_inputs_over_threads_with_the_same_result()
    {
        var random = new Random(7);
        float[] x = RandomValues(random, 200_003).Select(v => (float)v).ToArray();
        var whole = new float[x.Length];
        Unary.Apply(UnaryOp.Gelu, x, whole); // long enough to be split over KernelThreads
        var pieces = new float[x.Length];
        fixed (float* px = x, py = pieces)
        {
            // Pieces below the threading threshold, each computed on the calling thread.
            for (long start = 0; start < x.Length; start += 40_000)
                Unary.Apply(UnaryOp.Gelu, px + start, py + start, Math.Min(40_000, x.Length - start), 0f, 0f);
        }
        Assert.Equal(pieces, whole);
    }

    /// <summary>
    /// Float gelu, every lane on its own: each element of a long row equals the element computed alone,
    /// with lanes below the central range (−5.5), −∞ and NaN placed in every lane of every vector and next
    /// to each other (the AVX2 loop tests two vectors at once for such lanes, and a NaN must not hide one).
    /// </summary>
    [Fact]
    public void Gelu_lanes_are_independent_of_their_neighbours()
    {
        float[] specials = [-7f, float.NegativeInfinity, float.NaN, -5.5f, -5.4999995f, 5.6f, -20f, -1e30f];
        var random = new Random(11);
        foreach (var isa in Paths)
        {
            for (int trial = 0; trial < 50; trial++)
            {
                var x = new float[64 + random.Next(40)];
                for (int i = 0; i < x.Length; i++)
                    x[i] = random.Next(3) == 0 ? specials[random.Next(specials.Length)] : (float)(random.NextDouble() * 12 - 6);
                var whole = new float[x.Length];
                Unary.Apply(UnaryOp.Gelu, x, whole, 0f, 0f, isa);
                var single = new float[1];
                for (int i = 0; i < x.Length; i++)
                {
                    Unary.Apply(UnaryOp.Gelu, x.AsSpan(i, 1), single, 0f, 0f, isa);
                    if (BitConverter.SingleToInt32Bits(single[0]) != BitConverter.SingleToInt32Bits(whole[i])
                        && !(float.IsNaN(single[0]) && float.IsNaN(whole[i])))
                        throw new Xunit.Sdk.XunitException($"{isa}: gelu({x[i]:R}) at {i} is {whole[i]:R} in the row, {single[0]:R} alone");
                }
            }
        }
    }

    [Fact]
    public void Unary_rejects_unsupported_types()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Unary.Apply(UnaryOp.Exp, new int[4], new int[4]));
        Assert.Contains("Int32", ex.Message);
        Assert.Throws<NotSupportedException>(() => Unary.Reference(UnaryOp.Exp, (short)1, (short)0, (short)0));
    }

    [Property(MaxTest = 40)]
    public bool Binary_matches_reference_with_broadcasts_on_every_path(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        foreach (var (aStride, bStride) in new[] { (1L, 1L), (0L, 1L), (1L, 0L), (0L, 0L) })
        {
            CheckBinary<float>(random, length, aStride, bStride, v => (float)v);
            CheckBinary<double>(random, length, aStride, bStride, v => v);
            CheckBinary<int>(random, length, aStride, bStride, v => (int)Math.Clamp(v * 1000, -1e6, 1e6));
        }
        return true;
    }

    private static void CheckBinary<T>(Random random, int length, long aStride, long bStride, Func<double, T> make)
        where T : unmanaged, IEquatable<T>
    {
        T[] a = RandomValues(random, Math.Max(1, length)).Select(make).ToArray();
        T[] b = RandomValues(random, Math.Max(1, length)).Select(make).ToArray();
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
        {
            if (typeof(T) == typeof(int) && op == BinaryOp.Pow) continue;
            if (typeof(T) == typeof(int) && op == BinaryOp.Div)
                for (int i = 0; i < b.Length; i++) if (b[i].Equals(default)) b[i] = make(1);
            foreach (var isa in Paths)
            {
                var y = new T[length];
                fixed (T* pa = a, pb = b, py = y)
                    Binary.Apply(op, pa, aStride, pb, bStride, py, length, isa);
                for (int i = 0; i < length; i++)
                {
                    T want = Binary.Reference(op, a[i * aStride], b[i * bStride]);
                    // + − × ÷ max min are exactly rounded on every path; Pow goes through Math.Pow.
                    if (!y[i].Equals(want))
                        throw new Xunit.Sdk.XunitException($"{op} {isa} {typeof(T).Name} strides ({aStride},{bStride}) at {i}: got {y[i]} want {want}");
                }
            }
        }
    }

    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void Binary_max_min_propagate_nan_and_order_signed_zeros(CpuIsa isa)
    {
        float[] a = [float.NaN, 1f, -0f, 2f, float.NaN, 3f, 0f, -1f, 5f];
        float[] b = [1f, float.NaN, 0f, float.NaN, float.NaN, -3f, -0f, -2f, 5f];
        var max = new float[a.Length];
        var min = new float[a.Length];
        fixed (float* pa = a, pb = b, pmax = max, pmin = min)
        {
            Binary.Apply(BinaryOp.Max, pa, 1, pb, 1, pmax, a.Length, isa);
            Binary.Apply(BinaryOp.Min, pa, 1, pb, 1, pmin, a.Length, isa);
        }
        Assert.True(float.IsNaN(max[0]) && float.IsNaN(max[1]) && float.IsNaN(max[3]) && float.IsNaN(max[4]));
        Assert.True(float.IsNaN(min[0]) && float.IsNaN(min[1]) && float.IsNaN(min[3]) && float.IsNaN(min[4]));
        Assert.Equal(3f, max[5]);
        Assert.Equal(-3f, min[5]);
        Assert.False(float.IsNegative(max[2]));
        Assert.True(float.IsNegative(min[2]));
    }

    [Fact]
    public void Binary_int_divides_truncating_and_rejects_pow()
    {
        int[] a = [7, -7, 7, -7], b = [2, 2, -2, -2], y = new int[4];
        fixed (int* pa = a, pb = b, py = y)
        {
            Binary.Apply(BinaryOp.Div, pa, 1, pb, 1, py, 4);
            Assert.Equal([3, -3, -3, 3], y);
            int* pA = pa, pB = pb, pY = py;
            Assert.Throws<NotSupportedException>(() => Binary.Apply(BinaryOp.Pow, pA, 1, pB, 1, pY, 4));
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, -1)]
    [InlineData(5, 0)]
    public void Bad_strides_throw(long aStride, long bStride)
    {
        var a = new float[8]; var b = new float[8]; var y = new float[8]; var mask = new byte[8];
        fixed (float* pa = a, pb = b, py = y)
        fixed (byte* pm = mask)
        {
            float* pA = pa, pB = pb, pY = py; byte* pM = pm;
            Assert.Throws<ArgumentException>(() => Binary.Apply(BinaryOp.Add, pA, aStride, pB, bStride, pY, 8));
            Assert.Throws<ArgumentException>(() => Compare.Apply(CompareOp.Less, pA, aStride, pB, bStride, pM, 8));
            Assert.Throws<ArgumentException>(() => Select.Apply(pM, 1, pA, aStride, pB, bStride, pY, 8));
            Assert.Throws<ArgumentException>(() => Select.Apply(pM, aStride == 1 ? bStride : aStride, pA, 1, pB, 1, pY, 8));
        }
    }

    [Property(MaxTest = 40)]
    public bool Compare_matches_reference_with_nan_rules(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        foreach (var (aStride, bStride) in new[] { (1L, 1L), (0L, 1L), (1L, 0L), (0L, 0L) })
        {
            CheckCompare<float>(random, length, aStride, bStride, v => (float)Math.Round(v));
            CheckCompare<double>(random, length, aStride, bStride, v => Math.Round(v));
            CheckCompare<int>(random, length, aStride, bStride, v => (int)Math.Clamp(Math.Round(v), -5, 5));
        }
        return true;
    }

    /// <summary>About one value in eight replaced by NaN (on top of the specials), so NaN meets NaN and numbers.</summary>
    private static double[] WithNaNs(Random random, double[] values)
    {
        for (int i = 0; i < values.Length; i++) if (random.Next(8) == 0) values[i] = double.NaN;
        return values;
    }

    private static void CheckCompare<T>(Random random, int length, long aStride, long bStride, Func<double, T> make) where T : unmanaged
    {
        T[] a = WithNaNs(random, RandomValues(random, Math.Max(1, length))).Select(make).ToArray();
        T[] b = WithNaNs(random, RandomValues(random, Math.Max(1, length))).Select(make).ToArray();
        foreach (CompareOp op in Enum.GetValues<CompareOp>())
        foreach (var isa in Paths)
        {
            // Sentinels past the end: a path must not write beyond n.
            var y = Enumerable.Repeat((byte)0xCD, length + 8).ToArray();
            fixed (T* pa = a, pb = b)
            fixed (byte* py = y)
                Compare.Apply(op, pa, aStride, pb, bStride, py, length, isa);
            for (int i = 0; i < length; i++)
            {
                byte want = Compare.Reference(op, a[i * aStride], b[i * bStride]) ? (byte)1 : (byte)0;
                if (y[i] != want)
                    throw new Xunit.Sdk.XunitException($"{op} {isa} {typeof(T).Name} strides ({aStride},{bStride}) at {i}: got {y[i]} want {want}");
            }
            for (int i = length; i < y.Length; i++)
                if (y[i] != 0xCD) throw new Xunit.Sdk.XunitException($"{op} {isa} {typeof(T).Name} wrote past the end at {i}");
        }
    }

    [Fact]
    public void Compare_nan_is_false_except_not_equal()
    {
        float[] a = [float.NaN], b = [float.NaN];
        var y = new byte[1];
        fixed (float* pa = a, pb = b)
        fixed (byte* py = y)
            foreach (CompareOp op in Enum.GetValues<CompareOp>())
            {
                Compare.Apply(op, pa, 1, pb, 1, py, 1);
                Assert.Equal(op == CompareOp.NotEqual ? 1 : 0, (int)y[0]);
            }
    }

    [Property(MaxTest = 40)]
    public bool Select_picks_by_mask_with_broadcasts(int seed)
    {
        var random = new Random(seed);
        int length = random.Next(0, 301);
        var mask = new byte[Math.Max(1, length)];
        random.NextBytes(mask);
        for (int i = 0; i < mask.Length; i++) if (random.Next(2) == 0) mask[i] = 0;
        if (random.Next(4) == 0) mask[0] = 0; // a broadcast condition that is false
        foreach (long cs in new[] { 1L, 0L })
        foreach (long aStride in new[] { 1L, 0L })
        foreach (long bStride in new[] { 1L, 0L })
        {
            CheckSelect(mask, cs, aStride, bStride, length, random, v => (float)v);
            CheckSelect(mask, cs, aStride, bStride, length, random, v => v);
            CheckSelect(mask, cs, aStride, bStride, length, random, v => (int)v);
            CheckSelect(mask, cs, aStride, bStride, length, random, v => (byte)(int)v);
        }
        return true;
    }

    private static void CheckSelect<T>(byte[] mask, long condStride, long aStride, long bStride, int length, Random random, Func<double, T> make)
        where T : unmanaged, IEquatable<T>
    {
        // NaN sprinkled in for float and double (byte and int turn it into some integer).
        T[] a = Enumerable.Range(0, Math.Max(1, length)).Select(_ => make(random.Next(10) == 0 ? double.NaN : random.Next(256) - 128)).ToArray();
        T[] b = Enumerable.Range(0, Math.Max(1, length)).Select(_ => make(random.Next(10) == 0 ? double.NaN : random.Next(256) - 128)).ToArray();
        foreach (var isa in Paths)
        {
            var y = new T[length];
            fixed (byte* pm = mask)
            fixed (T* pa = a, pb = b, py = y)
                Select.Apply(pm, condStride, pa, aStride, pb, bStride, py, length, isa);
            for (int i = 0; i < length; i++)
            {
                T want = mask[i * condStride] != 0 ? a[i * aStride] : b[i * bStride];
                if (!y[i].Equals(want))
                    throw new Xunit.Sdk.XunitException($"Select {isa} {typeof(T).Name} strides ({condStride},{aStride},{bStride}) at {i}: got {y[i]} want {want}");
            }
        }
    }

    [Theory]
    [InlineData(CpuIsa.Scalar)]
    [InlineData(CpuIsa.Avx2)]
    [InlineData(CpuIsa.Avx512)]
    public void Compare_and_select_record_the_path_taken(CpuIsa isa)
    {
        if (isa == CpuIsa.Avx2 && !IsaDispatch.Avx2Supported) return;
        float[] a = [1f, 2f], b = [2f, 1f];
        var mask = new byte[2];
        var y = new float[2];
        fixed (float* pa = a, pb = b, py = y)
        fixed (byte* pm = mask)
        {
            IsaDispatch.ResetLastTaken();
            Compare.Apply(CompareOp.Less, pa, 1, pb, 1, pm, 2, isa);
            Assert.Equal(isa, IsaDispatch.LastTaken);
            IsaDispatch.ResetLastTaken();
            Select.Apply(pm, 1, pa, 1, pb, 1, py, 2, isa);
            Assert.Equal(isa, IsaDispatch.LastTaken);
        }
        Assert.Equal([1, 0], mask);
        Assert.Equal([1f, 1f], y);
    }
}
