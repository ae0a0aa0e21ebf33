using System.Reflection;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The fused attention kernel (<see cref="GpuAttention.Forward"/>) against a double-precision loop with the composed
/// op's semantics (masked scores become the dtype's lowest finite value, an additive mask is added after them), on
/// random small shapes with causal, bool and additive masks (broadcast and fully masked rows), float and double; plus
/// its argument checks and its compilation for CUDA and for OpenCL without subgroups.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class AttentionKernelTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>One problem: sizes, mask kind, how the mask broadcasts, causal flag.</summary>
    public sealed record Problem(int Batch, int Heads, int Lq, int Lk, int D, int Dv, AttentionMaskKind Mask, bool BroadcastMask, bool Causal)
    {
        /// <summary>The flattened batch B·H.</summary>
        public int Flat => Batch * Heads;
    }

    /// <summary>Seeds of random problems: B·H 1–3, Lq and Lk 1–37 (primes among them), d and dv 1–40.</summary>
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 10)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MatchesTheComposedSemantics(int seed)
    {
        var random = new Random(seed);
        int[] lengths = [1, 2, 3, 5, 7, 13, 16, 17, 31, 37];
        var problem = new Problem(random.Next(1, 3), random.Next(1, 2 + seed % 2), lengths[random.Next(lengths.Length)], lengths[random.Next(lengths.Length)],
            random.Next(1, 41), random.Next(1, 41), (AttentionMaskKind)(seed % 3), random.Next(2) == 0, random.Next(2) == 0);
        Check<float>(problem, seed);
        Check<double>(problem, seed);
    }

    [Fact]
    public void FullyMaskedRowsAverageTheValues()
    {
        // Bool mask [B, 1, Lq, Lk] broadcast over heads with every key of some rows hidden, with and without causal.
        foreach (bool causal in new[] { false, true })
        {
            var problem = new Problem(2, 2, 19, 18, 3, 5, AttentionMaskKind.Bool, BroadcastMask: true, causal);
            Check<float>(problem, 101, hideRows: true);
            Check<double>(problem, 102, hideRows: true);
        }
    }

    [Fact]
    public void CausalWithoutMaskSkipsOnlyKeysThatAddNothing()
    {
        // Lk > Lq and Lk < Lq: the key blocks past each query block's last query are skipped.
        Check<double>(new Problem(1, 1, 33, 40, 4, 3, AttentionMaskKind.None, false, true), 7);
        Check<float>(new Problem(1, 1, 40, 20, 4, 3, AttentionMaskKind.None, false, true), 8);
    }

    [Fact]
    public void BadArgumentsThrowNamingTheSizes()
    {
        using var small = _accelerator.Allocate1D<float>(8);
        var v = small.View;
        var none = new AttentionMaskLayout(1, 0, 0, 0, 0);
        var tooWide = Assert.Throws<ArgumentException>(() => GpuAttention.Forward<float>(_accelerator, 1, 1, 1, 257, 1, v, v, v,
            AttentionMaskKind.None, ArrayView<byte>.Empty, ArrayView<float>.Empty, none, false, 1, v, v));
        Assert.Contains("features = 257", tooWide.Message);
        var shortView = Assert.Throws<ArgumentException>(() => GpuAttention.Forward<float>(_accelerator, 1, 3, 2, 3, 1, v, v, v,
            AttentionMaskKind.None, ArrayView<byte>.Empty, ArrayView<float>.Empty, none, false, 1, v, v));
        Assert.Contains("q has 8 elements", shortView.Message);
        var maskOverrun = Assert.Throws<ArgumentException>(() => GpuAttention.Forward<float>(_accelerator, 1, 2, 2, 1, 1, v, v, v,
            AttentionMaskKind.Additive, ArrayView<byte>.Empty, v, new AttentionMaskLayout(1, 0, 0, 7, 1), false, 1, v, v));
        Assert.Contains("reads element 8", maskOverrun.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuAttention.Forward<float>(_accelerator, 1, 1, 1, 1, 1, v, v, v,
            AttentionMaskKind.None, ArrayView<byte>.Empty, ArrayView<float>.Empty, none, false, double.NaN, v, v));
    }

    [Fact]
    public void CompilesToPtxAndToOpenClWithoutSubgroups()
    {
        using var compiler = new KernelCompiler();
        foreach (bool single in new[] { true, false })
        {
            var entry = EntryPoint(single);
            var assembly = compiler.Ptx(entry);
            Assert.Contains("bar.sync", assembly);
            if (single) Assert.DoesNotContain(".f64", assembly);
            var source = compiler.OpenCl(entry);
            Assert.Contains("work_group_barrier", source);
            Assert.DoesNotContain("sub_group", source);
        }
    }

    private static EntryPointDescription EntryPoint(bool single)
    {
        Type type = single ? typeof(AttentionKernel<float, GpuFloatMath>) : typeof(AttentionKernel<double, GpuDoubleMath>);
        return EntryPointDescription.FromExplicitlyGroupedKernel(type.GetMethod("ForwardKernel", BindingFlags.NonPublic | BindingFlags.Static)!);
    }

    private void Check<T>(Problem p, int seed, bool hideRows = false) where T : unmanaged
    {
        var random = new Random(seed);
        var q = GpuComparison.Random<T>(random, (long)p.Flat * p.Lq * p.D, 1, false);
        var k = GpuComparison.Random<T>(random, (long)p.Flat * p.Lk * p.D, 1, false);
        var v = GpuComparison.Random<T>(random, (long)p.Flat * p.Lk * p.Dv, 1, false);
        // The mask is [Batch, 1, Lq, Lk] (broadcast over heads) or [Batch, Heads, Lq, Lk].
        int maskHeads = p.BroadcastMask ? 1 : p.Heads;
        var layout = new AttentionMaskLayout(p.Heads, (long)maskHeads * p.Lq * p.Lk, p.BroadcastMask ? 0 : (long)p.Lq * p.Lk, p.Lk, 1);
        int maskLength = p.Batch * maskHeads * p.Lq * p.Lk;
        var allowed = new byte[maskLength];
        for (int i = 0; i < maskLength; i++) allowed[i] = (byte)(random.NextDouble() < 0.3 ? 0 : 1);
        if (hideRows)
            for (int i = 0; i < maskLength; i++) if (i / p.Lk % 3 == 1) allowed[i] = 0;
        var added = GpuComparison.Random<T>(random, maskLength, 2, false);
        var (expectedO, expectedL) = Reference(p, q, k, v, allowed, added, layout);

        using var qs = _accelerator.Allocate1D(q);
        using var ks = _accelerator.Allocate1D(k);
        using var vs = _accelerator.Allocate1D(v);
        using var bools = _accelerator.Allocate1D(allowed);
        using var adds = _accelerator.Allocate1D(added);
        using var o = _accelerator.Allocate1D<T>((long)p.Flat * p.Lq * p.Dv);
        using var lse = _accelerator.Allocate1D<T>((long)p.Flat * p.Lq);
        GpuAttention.Forward<T>(_accelerator, p.Flat, p.Lq, p.Lk, p.D, p.Dv, qs.View, ks.View, vs.View, p.Mask,
            p.Mask == AttentionMaskKind.Bool ? bools.View : ArrayView<byte>.Empty, p.Mask == AttentionMaskKind.Additive ? adds.View : ArrayView<T>.Empty,
            layout, p.Causal, 1 / Math.Sqrt(p.D), o.View, lse.View);
        _accelerator.Synchronize();
        GpuComparison.AssertClose(expectedO.Select(GpuComparison.FromDouble<T>).ToArray(), o.GetAsArray1D(), $"O of {p} {typeof(T).Name}");
        GpuComparison.AssertClose(expectedL.Select(GpuComparison.FromDouble<T>).ToArray(), lse.GetAsArray1D(), $"L of {p} {typeof(T).Name}");
    }

    /// <summary>The composed op in double: scores, the lowest value of T where hidden, + the additive mask, softmax, ·V.</summary>
    private static (double[] O, double[] L) Reference<T>(Problem p, T[] q, T[] k, T[] v, byte[] allowed, T[] added, AttentionMaskLayout layout)
        where T : unmanaged
    {
        double lowest = typeof(T) == typeof(float) ? float.MinValue : double.MinValue, scale = 1 / Math.Sqrt(p.D);
        var o = new double[p.Flat * p.Lq * p.Dv];
        var l = new double[p.Flat * p.Lq];
        var s = new double[p.Lk];
        for (int b = 0; b < p.Flat; b++)
            for (int i = 0; i < p.Lq; i++)
            {
                for (int j = 0; j < p.Lk; j++)
                {
                    double dot = 0;
                    for (int f = 0; f < p.D; f++) dot += D(q[(b * p.Lq + i) * p.D + f]) * D(k[(b * p.Lk + j) * p.D + f]);
                    s[j] = dot * scale;
                    if (p.Causal && j > i) s[j] = lowest;
                    long at = layout.Offset(b, i, j);
                    if (p.Mask == AttentionMaskKind.Bool && allowed[at] == 0) s[j] = lowest;
                    if (p.Mask == AttentionMaskKind.Additive) s[j] += D(added[at]);
                }
                double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                l[b * p.Lq + i] = max + Math.Log(sum);
                for (int c = 0; c < p.Dv; c++)
                {
                    double acc = 0;
                    for (int j = 0; j < p.Lk; j++) acc += Math.Exp(s[j] - max) / sum * D(v[(b * p.Lk + j) * p.Dv + c]);
                    o[(b * p.Lq + i) * p.Dv + c] = acc;
                }
            }
        return (o, l);
    }

    private static double D<T>(T value) where T : unmanaged => GpuComparison.ToDouble(value);
}
