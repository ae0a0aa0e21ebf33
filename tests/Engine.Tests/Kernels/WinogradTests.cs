using System.Numerics;
using Engine.Kernels.Cpu;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>A random 3×3 unit-stride convolution for the Winograd kernel, with its options and data seed.</summary>
public sealed record WinogradCase(ConvGeometry Geometry, bool WithBias, bool Relu, int Seed)
{
    /// <summary>Readable in a failure report.</summary>
    public override string ToString() => $"{Geometry} bias={WithBias} relu={Relu} seed={Seed}";
}

/// <summary>
/// FsCheck generators of 3×3, unit-stride, single-group convolutions: batch 1–3, images 1–11 (odd and even,
/// as small as the padding allows), paddings 0–2 per side (asymmetric included), and channel counts 1–70 —
/// wide channel counts only on small images so the direct-loop reference stays quick.
/// </summary>
public static class WinogradArbitraries
{
    /// <summary>Random cases.</summary>
    public static Arbitrary<WinogradCase> Cases() => Arb.From(
        from n in Gen.Choose(1, 3)
        from wide in Gen.Elements(false, false, true)
        from c in wide ? Gen.Choose(1, 70) : Gen.Choose(1, 9)
        from k in wide ? Gen.Choose(1, 70) : Gen.Choose(1, 9)
        from h in wide ? Gen.Choose(1, 6) : Gen.Choose(1, 11)
        from w in wide ? Gen.Choose(1, 6) : Gen.Choose(1, 11)
        from pads in Gen.ArrayOf(Gen.Choose(0, 2), 4)
        from bias in Gen.Elements(false, true)
        from relu in Gen.Elements(false, true)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        let g = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, pads[0], pads[1], pads[2], pads[3])
        where g.Problem() is null
        select new WinogradCase(g, bias, relu, seed));
}

/// <summary>
/// The Winograd F(2×2, 3×3) kernel (forward with bias and ReLU, and the input gradient) against the direct-loop
/// <see cref="ConvolutionReference"/> on every instruction-set path, in float and double; its results for one
/// and two threads; and the convolution dispatch that routes to it.
/// </summary>
[Properties(Arbitrary = [typeof(WinogradArbitraries)], MaxTest = 50)]
[Collection(nameof(GlobalKernelSettings))]
public class WinogradTests
{
    private static readonly CpuIsa[] Paths = IsaPaths.Executable;

    [Property]
    public void ForwardMatchesTheReferenceInDouble(WinogradCase c)
    {
        foreach (var isa in Paths) WinogradCheck<double>.Forward(c, isa, tolerance: 1e-13);
    }

    [Property]
    public void ForwardMatchesTheReferenceInFloat(WinogradCase c)
    {
        foreach (var isa in Paths) WinogradCheck<float>.Forward(c, isa, tolerance: 1e-5);
    }

    [Property]
    public void BackwardDataMatchesTheReferenceInDouble(WinogradCase c)
    {
        foreach (var isa in Paths) WinogradCheck<double>.BackwardData(c, isa, tolerance: 1e-13);
    }

    [Property]
    public void BackwardDataMatchesTheReferenceInFloat(WinogradCase c)
    {
        foreach (var isa in Paths) WinogradCheck<float>.BackwardData(c, isa, tolerance: 1e-5);
    }

    /// <summary>Single-tile and ragged images, the MNIST layers, and batches cut into several chunks.</summary>
    [Theory]
    [InlineData(1, 2, 3, 3, 3, 0, 0)]
    [InlineData(2, 3, 4, 4, 2, 0, 0)]
    [InlineData(1, 1, 28, 28, 32, 0, 0)]
    [InlineData(9, 32, 13, 13, 64, 0, 0)]
    [InlineData(2, 17, 15, 12, 5, 1, 2)]
    [InlineData(3, 8, 20, 9, 70, 2, 1)]
    public void LargerImagesMatchTheReference(int n, int c, int h, int w, int k, int padTopLeft, int padBottomRight)
    {
        var g = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, padTopLeft, padBottomRight, padTopLeft, padBottomRight);
        foreach (var isa in Paths)
        {
            WinogradCheck<float>.Forward(new WinogradCase(g, true, true, 3), isa, tolerance: 1e-5);
            WinogradCheck<float>.BackwardData(new WinogradCase(g, false, false, 4), isa, tolerance: 1e-5);
        }
        WinogradCheck<double>.Forward(new WinogradCase(g, true, false, 5), CpuIsa.Scalar, tolerance: 1e-13);
        WinogradCheck<double>.BackwardData(new WinogradCase(g, false, false, 6), IsaDispatch.Active, tolerance: 1e-13);
    }

    /// <summary>Chunks are cut the same way for any thread count, so the results are identical, bit for bit.</summary>
    [Fact]
    public void OneAndTwoThreadsGiveIdenticalResults()
    {
        var g = new ConvGeometry(20, 6, 13, 11, 7, 3, 3, 1, 1, 1, 0, 0, 1);
        float[] one = WithThreads(1, () => WinogradCheck<float>.Run(g, IsaDispatch.Active, 11));
        float[] two = WithThreads(2, () => WinogradCheck<float>.Run(g, IsaDispatch.Active, 11));
        Assert.Equal(one, two);
    }

    /// <summary>Where it pays, Convolution's forward and input-gradient passes are the Winograd kernel, bit for bit.</summary>
    [Fact]
    public void ConvolutionDispatchesToWinogradWhereItPays()
    {
        var g = new ConvGeometry(2, 32, 7, 6, 16, 3, 3, 1, 1, 1, 2, 0, 1);
        WithThreads(1, () =>
        {
            Assert.True(Winograd.Applies(g) && Winograd.PaysForward(g) && Winograd.PaysBackwardData(g));
            Assert.False(Winograd.PaysForward(g with { InChannels = 3 }));
            Assert.False(Winograd.PaysBackwardData(g with { InChannels = 16 }));
            foreach (var isa in Paths)
            {
                var (direct, dispatched) = WinogradCheck<float>.ThroughConvolution(g, isa, 21);
                Assert.Equal(direct, dispatched);
            }
            return [];
        });
        WinogradCheck<double>.Forward(new WinogradCase(g, true, true, 22), IsaDispatch.Active, tolerance: 1e-13);
    }

    /// <summary>One chunk of images cannot keep two threads busy: the split im2col path stays.</summary>
    [Fact]
    public void ConvolutionStaysOnIm2ColWhenTheBatchCannotFillTheThreads()
    {
        var small = new ConvGeometry(2, 32, 7, 6, 16, 3, 3, 1, 1, 1, 2, 0, 1);
        var large = small with { Batch = 64, InHeight = 40, InWidth = 40 };
        WithThreads(2, () =>
        {
            Assert.False(Winograd.PaysForward(small));
            Assert.False(Winograd.PaysBackwardData(small));
            Assert.True(Winograd.PaysForward(large));
            Assert.True(Winograd.PaysBackwardData(large));
            return [];
        });
    }

    [Fact]
    public void OtherConvolutionsAreRejectedWithTheGeometry()
    {
        var strided = new ConvGeometry(1, 2, 8, 8, 2, 3, 3, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => WinogradCheck<float>.Run(strided, CpuIsa.Scalar, 1));
        Assert.Contains("Winograd", e.Message);
        Assert.Contains("StrideHeight = 2", e.Message);
        var overPadded = new ConvGeometry(1, 2, 8, 8, 2, 3, 3, 1, 1, 3, 0, 0, 0);
        Assert.True(Winograd.Applies(overPadded));
        Assert.False(Winograd.AppliesToBackwardData(overPadded));
        Assert.False(Winograd.Applies(new ConvGeometry(1, 2, 8, 8, 2, 3, 3, DilationHeight: 2)));
        Assert.False(Winograd.Applies(new ConvGeometry(1, 2, 8, 8, 2, 3, 3, Groups: 2)));
        Assert.False(Winograd.Applies(new ConvGeometry(1, 2, 8, 8, 2, 3, 5)));
    }

    private static float[] WithThreads(int threads, Func<float[]> action)
    {
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = threads;
            return action();
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }
}

/// <summary>Runs the Winograd kernel on one case and compares it with the reference.</summary>
internal static unsafe class WinogradCheck<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(WinogradCase c, CpuIsa isa, double tolerance)
    {
        var g = c.Geometry;
        var random = new Random(c.Seed);
        T[] x = Random(random, g.Batch * g.InImageSize), w = Random(random, g.WeightSize), bias = Random(random, g.OutChannels);
        T[] y = Filled(g.Batch * g.OutImageSize), yRef = new T[y.Length];
        fixed (T* px = x, pw = w, pb = bias, py = y, pyRef = yRef)
        {
            T* b = c.WithBias ? pb : null;
            Winograd.Forward(g, px, pw, b, py, isa, c.Relu);
            ConvolutionReference.Forward(g, px, pw, b, pyRef);
        }
        if (c.Relu)
            for (int i = 0; i < yRef.Length; i++) yRef[i] = T.Max(yRef[i], T.Zero);
        Compare("forward", y, yRef, g, isa, tolerance);
    }

    public static void BackwardData(WinogradCase c, CpuIsa isa, double tolerance)
    {
        var g = c.Geometry;
        var random = new Random(c.Seed);
        T[] dy = Random(random, g.Batch * g.OutImageSize), w = Random(random, g.WeightSize);
        T[] dx = Filled(g.Batch * g.InImageSize), dxRef = new T[dx.Length];
        fixed (T* pdy = dy, pw = w, pdx = dx, pdxRef = dxRef)
        {
            Winograd.BackwardData(g, pdy, pw, pdx, isa);
            ConvolutionReference.BackwardData(g, pdy, pw, pdxRef);
        }
        Compare("input gradient", dx, dxRef, g, isa, tolerance);
    }

    /// <summary>The forward output with bias and ReLU for seeded data.</summary>
    public static T[] Run(ConvGeometry g, CpuIsa isa, int seed)
    {
        var random = new Random(seed);
        T[] x = Random(random, g.Batch * g.InImageSize), w = Random(random, g.WeightSize), bias = Random(random, g.OutChannels);
        T[] y = new T[g.Batch * g.OutImageSize];
        fixed (T* px = x, pw = w, pb = bias, py = y) Winograd.Forward(g, px, pw, pb, py, isa, relu: true);
        return y;
    }

    /// <summary>Winograd's forward output and input gradient, then Convolution's, for seeded data.</summary>
    public static (T[] Direct, T[] Dispatched) ThroughConvolution(ConvGeometry g, CpuIsa isa, int seed)
    {
        var random = new Random(seed);
        T[] x = Random(random, g.Batch * g.InImageSize), w = Random(random, g.WeightSize), bias = Random(random, g.OutChannels);
        T[] dy = Random(random, g.Batch * g.OutImageSize);
        T[] direct = new T[g.Batch * (g.OutImageSize + g.InImageSize)], dispatched = new T[direct.Length];
        fixed (T* px = x, pw = w, pb = bias, pdy = dy, pd = direct, pc = dispatched)
        {
            long dxAt = g.Batch * g.OutImageSize;
            Winograd.Forward(g, px, pw, pb, pd, isa, relu: false);
            Winograd.BackwardData(g, pdy, pw, pd + dxAt, isa);
            Convolution.Forward(g, px, pw, pb, pc, isa);
            Convolution.BackwardData(g, pdy, pw, pc + dxAt, isa);
        }
        return (direct, dispatched);
    }

    /// <summary>Each element within tolerance · (1 + |reference|) · √(terms) of the reference.</summary>
    private static void Compare(string pass, T[] actual, T[] expected, ConvGeometry g, CpuIsa isa, double tolerance) =>
        ConvCheck<T>.Within($"Winograd {pass}", actual, expected, g, isa, tolerance * Math.Sqrt(Math.Max(g.InChannels, g.OutChannels) * 9.0));

    private static T[] Random(Random random, long count) => ConvCheck<T>.Random(random, count);

    private static T[] Filled(long count) => ConvCheck<T>.Filled(count);
}
