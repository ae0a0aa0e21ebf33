using Engine.Kernels.Cpu;

namespace Engine.Tests.Kernels;

/// <summary>
/// The counter-based dropout mask (<see cref="BernoulliMask"/>, <see cref="CounterHash"/>): every ISA path equals the
/// scalar twin bit for bit on lengths with every tail, float and double; the hash is SplitMix64; the threshold rounds
/// p·2^32; bad arguments name the kernel.
/// </summary>
public unsafe class BernoulliMaskKernelTests
{
    private static readonly int[] Lengths = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1023, 4099, 70_001];

    // 1e-12 rounds to threshold 0 (everything kept); 1 − 1e-12 rounds to 2^32 (nothing kept).
    private static readonly double[] Probabilities = [0, 1e-12, 0.1, 0.5, 0.9, 1 - 1e-12, 1];

    private static T[] Run<T>(int n, ulong key, double p, double scale, CpuIsa? isa) where T : unmanaged
    {
        // One guard element past the end catches a vector store that overruns the tail.
        var mask = new T[n + 1];
        var guard = (T)(object)(typeof(T) == typeof(float) ? (object)-7f : -7.0);
        mask[n] = guard;
        fixed (T* m = mask)
        {
            if (isa is CpuIsa path) BernoulliMask.Fill(m, n, key, p, scale, path);
            else BernoulliMask.Reference(m, n, key, p, scale);
        }
        Assert.Equal(guard, mask[n]);
        return mask[..n];
    }

    private static void PathsMatchReference<T>() where T : unmanaged
    {
        var random = new Random(3);
        foreach (double p in Probabilities)
            foreach (int n in Lengths)
            {
                ulong key = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
                double scale = p >= 1 ? 0 : 1 / (1 - p);
                var expected = Run<T>(n, key, p, scale, null);
                foreach (var isa in ReductionTestData.Executable)
                {
                    IsaDispatch.ResetLastTaken();
                    var actual = Run<T>(n, key, p, scale, isa);
                    Assert.Equal(isa, IsaDispatch.LastTaken);
                    for (int i = 0; i < n; i++)
                        Assert.True(expected[i].Equals(actual[i]), $"{typeof(T).Name} {isa} n={n} p={p} key={key:X}: [{i}] {actual[i]} vs reference {expected[i]}");
                }
            }
    }

    [Fact]
    public void Float_paths_match_the_scalar_twin() => PathsMatchReference<float>();

    [Fact]
    public void Double_paths_match_the_scalar_twin() => PathsMatchReference<double>();

    [Fact]
    public void Reference_keeps_exactly_the_elements_whose_bits_reach_the_threshold()
    {
        const ulong key = 0x0123456789ABCDEF;
        const double p = 0.3, scale = 1 / 0.7;
        var mask = Run<double>(999, key, p, scale, null);
        ulong threshold = BernoulliMask.Threshold(p);
        for (int i = 0; i < mask.Length; i++)
            Assert.Equal(CounterHash.Bits(key, i) >= threshold ? scale : 0.0, mask[i]);
        var single = Run<float>(999, key, p, scale, null);
        for (int i = 0; i < single.Length; i++)
            Assert.Equal(mask[i] == 0 ? 0f : (float)scale, single[i]);
    }

    [Fact]
    public void Hash_is_the_splitmix64_stream_of_the_key()
    {
        // SplitMix64 seeded with 0: its first outputs (Vigna's reference splitmix64.c).
        Assert.Equal(0xE220A8397B1DCDAFUL, CounterHash.Pair(0, 0));
        Assert.Equal(0x6E789E6AA1B965F4UL, CounterHash.Pair(0, 1));
        Assert.Equal(0x06C45D188009454FUL, CounterHash.Pair(0, 2));
        ulong pair = CounterHash.Pair(0xABCDEF, 41);
        Assert.Equal((uint)pair, CounterHash.Bits(0xABCDEF, 82));
        Assert.Equal((uint)(pair >> 32), CounterHash.Bits(0xABCDEF, 83));
    }

    [Theory]
    [InlineData(0.0, 0UL)]
    [InlineData(0.5, 1UL << 31)]
    [InlineData(0.25, 1UL << 30)]
    [InlineData(1.0, 1UL << 32)]
    [InlineData(1e-10, 0UL)]
    [InlineData(3e-10, 1UL)]
    public void Threshold_rounds_p_times_two_to_the_32(double p, ulong expected) => Assert.Equal(expected, BernoulliMask.Threshold(p));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Fill_rejects_p_outside_zero_to_one(double p)
    {
        var mask = new float[4];
        fixed (float* m = mask)
        {
            float* pm = m;
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => BernoulliMask.Fill(pm, 4, 1, p, 2));
            Assert.Contains("BernoulliMask", e.Message);
            Assert.Contains(p.ToString(), e.Message);
        }
    }

    [Fact]
    public void Fill_rejects_a_negative_count_a_null_mask_and_other_types()
    {
        var e = Assert.Throws<ArgumentException>(() => BernoulliMask.Fill((float*)null, -1, 1, 0.5, 2));
        Assert.Contains("BernoulliMask.Fill", e.Message);
        Assert.Contains("-1", e.Message);
        e = Assert.Throws<ArgumentException>(() => BernoulliMask.Fill((double*)null, 5, 1, 0.5, 2));
        Assert.Contains("null", e.Message);
        var ints = new int[3];
        fixed (int* m = ints)
        {
            int* pm = m;
            Assert.Throws<NotSupportedException>(() => BernoulliMask.Fill(pm, 3, 1, 0.5, 2));
        }
    }
}

/// <summary>The threaded split changes nothing: every element depends only on (key, i).</summary>
[Collection(nameof(GlobalKernelSettings))]
public unsafe class BernoulliMaskThreadingTests
{
    [Fact]
    public void Mask_does_not_depend_on_the_thread_count()
    {
        const int n = 300_001;
        float[] RunWith(int threads)
        {
            int saved = KernelThreads.Count;
            KernelThreads.Count = threads;
            try
            {
                var mask = new float[n];
                fixed (float* m = mask) BernoulliMask.Fill(m, n, 0xFEEDFACE, 0.37, 1 / 0.63);
                return mask;
            }
            finally { KernelThreads.Count = saved; }
        }
        var one = RunWith(1);
        Assert.Equal(one, RunWith(3));
        Assert.Equal(one, RunWith(7));
    }
}
