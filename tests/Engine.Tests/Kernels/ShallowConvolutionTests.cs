using System.Numerics;
using Engine.Kernels.Cpu;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>A random shallow convolution for the direct kernel, with its options and data seed.</summary>
public sealed record ShallowCase(ConvGeometry Geometry, bool WithBias, bool Relu, int Seed)
{
    /// <summary>Readable in a failure report.</summary>
    public override string ToString() => $"{Geometry} bias={WithBias} relu={Relu} seed={Seed}";
}

/// <summary>
/// FsCheck generators of unit-stride, single-group convolutions with at most <see cref="ShallowConvolution.MaxTaps"/>
/// taps: batch 1–3, 1–4 input channels, 1–40 output channels (not only multiples of the 4-channel block), images 1–40
/// wide and high (narrower than a vector, odd, and several vectors), kernels 1–5 in each direction independently, and
/// paddings 0–2 per side, asymmetric included.
/// </summary>
public static class ShallowArbitraries
{
    /// <summary>Random cases.</summary>
    public static Arbitrary<ShallowCase> Cases() => Arb.From(
        from n in Gen.Choose(1, 3)
        from c in Gen.Choose(1, 4)
        from k in Gen.Choose(1, 40)
        from h in Gen.Choose(1, 40)
        from w in Gen.Choose(1, 40)
        from kh in Gen.Choose(1, 5)
        from kw in Gen.Choose(1, 5)
        from pads in Gen.ArrayOf(Gen.Choose(0, 2), 4)
        from bias in Gen.Elements(false, true)
        from relu in Gen.Elements(false, true)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        let g = new ConvGeometry(n, c, h, w, k, kh, kw, 1, 1, pads[0], pads[1], pads[2], pads[3])
        where g.Problem() is null && ShallowConvolution.Applies(g)
        select new ShallowCase(g, bias, relu, seed));
}

/// <summary>
/// The direct shallow convolution against the direct-loop <see cref="ConvolutionReference"/> on every instruction-set
/// path in float and double; the vector paths against the scalar one, bit for bit; one and two threads; and the
/// convolution dispatch that routes to it.
/// </summary>
[Properties(Arbitrary = [typeof(ShallowArbitraries)], MaxTest = 40)]
[Collection(nameof(GlobalKernelSettings))]
public class ShallowConvolutionTests
{
    private static readonly CpuIsa[] Paths = IsaPaths.Executable;

    [Property]
    public void ForwardMatchesTheReferenceInDouble(ShallowCase c)
    {
        foreach (var isa in Paths) ShallowCheck<double>.Forward(c, isa, tolerance: 1e-13);
    }

    [Property]
    public void ForwardMatchesTheReferenceInFloat(ShallowCase c)
    {
        foreach (var isa in Paths) ShallowCheck<float>.Forward(c, isa, tolerance: 1e-5);
    }

    /// <summary>Every path sums the same products in the same order with fused multiply-adds: the same bits.</summary>
    [Property]
    public void VectorPathsGiveTheScalarPathsBits(ShallowCase c)
    {
        float[] scalar = ShallowCheck<float>.Run(c, CpuIsa.Scalar);
        double[] scalarD = ShallowCheck<double>.Run(c, CpuIsa.Scalar);
        foreach (var isa in Paths)
        {
            Assert.Equal(scalar, ShallowCheck<float>.Run(c, isa));
            Assert.Equal(scalarD, ShallowCheck<double>.Run(c, isa));
        }
    }

    /// <summary>The first layers of MNIST and CIFAR nets, wide images, and rows exactly one vector wide or one column more.</summary>
    [Theory]
    [InlineData(2, 1, 28, 28, 32, 3, 3, 0)]
    [InlineData(2, 3, 32, 32, 32, 3, 3, 1)]
    [InlineData(1, 1, 28, 28, 6, 5, 5, 2)]
    [InlineData(1, 2, 9, 100, 13, 3, 4, 1)]
    [InlineData(3, 1, 5, 8, 5, 1, 3, 0)]
    [InlineData(3, 1, 5, 17, 5, 2, 1, 0)]
    [InlineData(1, 4, 3, 16, 9, 2, 2, 0)]
    public void LayersMatchTheReference(int n, int c, int h, int w, int k, int kh, int kw, int pad)
    {
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, 1, 1, pad, pad, pad, pad);
        foreach (var isa in Paths)
        {
            ShallowCheck<float>.Forward(new ShallowCase(g, true, true, 3), isa, tolerance: 1e-5);
            ShallowCheck<double>.Forward(new ShallowCase(g, true, false, 4), isa, tolerance: 1e-13);
        }
    }

    /// <summary>Two threads cut a small batch into bands of rows; every output is still the same sum.</summary>
    [Fact]
    public void OneAndTwoThreadsGiveIdenticalResults()
    {
        foreach (int batch in new[] { 1, 3 })
        {
            var c = new ShallowCase(new ConvGeometry(batch, 3, 13, 11, 7, 3, 3, 1, 1, 1, 0, 0, 1), true, true, 11);
            float[] one = WithThreads(1, () => ShallowCheck<float>.Run(c, IsaDispatch.Active));
            float[] two = WithThreads(2, () => ShallowCheck<float>.Run(c, IsaDispatch.Active));
            Assert.Equal(one, two);
        }
    }

    /// <summary>
    /// On the vector paths a shallow layer takes the kernel through Convolution.Forward and ForwardRelu (same bits); turned
    /// off, im2col agrees within rounding. Narrow rows, the scalar path and other convolutions stay on im2col.
    /// </summary>
    [Fact]
    public void ConvolutionDispatchesShallowLayersToTheKernel()
    {
        var g = new ConvGeometry(2, 3, 12, 9, 6, 3, 3, 1, 1, 1, 1, 0, 1);
        var avx2 = CpuIsa.Avx2;
        Assert.True(ShallowConvolution.Pays<float>(g, avx2));
        Assert.True(ShallowConvolution.Pays<double>(g with { InWidth = 5 }, avx2)); // 4 columns: one vector of double
        Assert.False(ShallowConvolution.Pays<float>(g with { InWidth = 8 }, avx2)); // 7 columns: narrower than a vector
        Assert.False(ShallowConvolution.Pays<float>(g, CpuIsa.Avx512));
        Assert.False(ShallowConvolution.Pays<float>(g, CpuIsa.Scalar));
        Assert.False(ShallowConvolution.Pays<float>(g with { KernelHeight = 1, KernelWidth = 1, PadTop = 0, PadBottom = 0, PadLeft = 0, PadRight = 0 }, avx2));
        Assert.False(ShallowConvolution.Pays<float>(g with { InChannels = 9 }, avx2));
        Assert.False(ShallowConvolution.Pays<float>(g with { StrideHeight = 2 }, avx2));
        Assert.False(ShallowConvolution.Pays<float>(g with { DilationWidth = 2 }, avx2));
        Assert.False(ShallowConvolution.Pays<float>(g with { InChannels = 6, Groups = 3 }, avx2));
        foreach (var isa in Paths.Where(p => p != CpuIsa.Scalar))
            foreach (bool relu in new[] { false, true })
            {
                var c = new ShallowCase(isa == CpuIsa.Avx512 ? g with { InWidth = 17 } : g, true, relu, 21);
                Assert.True(ShallowConvolution.Pays<float>(c.Geometry, isa));
                var direct = ShallowCheck<float>.Run(c, isa);
                Assert.Equal(direct, ShallowCheck<float>.ThroughConvolution(c, isa));
                bool saved = ShallowConvolution.Enabled;
                try
                {
                    ShallowConvolution.Enabled = false;
                    Assert.False(ShallowConvolution.Pays<float>(c.Geometry, isa));
                    var im2col = ShallowCheck<float>.ThroughConvolution(c, isa);
                    ConvCheck<float>.Within("im2col vs shallow", im2col, direct, c.Geometry, isa, 1e-5);
                }
                finally
                {
                    ShallowConvolution.Enabled = saved;
                }
            }
    }

    [Fact]
    public void OtherConvolutionsAreRejectedWithTheGeometry()
    {
        var deep = new ConvGeometry(1, 9, 8, 8, 2, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => ShallowCheck<float>.Run(new ShallowCase(deep, false, false, 1), CpuIsa.Scalar));
        Assert.Contains("ShallowConvolution", e.Message);
        Assert.Contains("InChannels = 9", e.Message);
        Assert.Contains("75 taps", e.Message);
        var strided = new ConvGeometry(1, 1, 8, 8, 2, 3, 3, 2, 2);
        e = Assert.Throws<ArgumentException>(() => ShallowCheck<float>.Run(new ShallowCase(strided, false, false, 1), CpuIsa.Avx512));
        Assert.Contains("StrideHeight = 2", e.Message);
    }

    private static T[] WithThreads<T>(int threads, Func<T[]> action)
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

/// <summary>Runs the shallow kernel on one case and compares it with the reference.</summary>
internal static unsafe class ShallowCheck<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Forward(ShallowCase c, CpuIsa isa, double tolerance)
    {
        var g = c.Geometry;
        var (x, w, bias) = Data(c);
        T[] y = Run(c, isa), yRef = new T[y.Length];
        fixed (T* px = x, pw = w, pb = bias, pyRef = yRef)
            ConvolutionReference.Forward(g, px, pw, c.WithBias ? pb : null, pyRef);
        if (c.Relu)
            for (int i = 0; i < yRef.Length; i++) yRef[i] = T.Max(yRef[i], T.Zero);
        ConvCheck<T>.Within("shallow forward", y, yRef, g, isa, tolerance * Math.Sqrt(g.PatchSize));
    }

    /// <summary>The kernel's output for the case's seeded data, written over junk.</summary>
    public static T[] Run(ShallowCase c, CpuIsa isa)
    {
        var g = c.Geometry;
        var (x, w, bias) = Data(c);
        T[] y = ConvCheck<T>.Filled(g.Batch * g.OutImageSize);
        fixed (T* px = x, pw = w, pb = bias, py = y)
            ShallowConvolution.Forward(g, px, pw, c.WithBias ? pb : null, py, isa, c.Relu);
        return y;
    }

    /// <summary>Convolution.Forward's (or ForwardRelu's) output for the case's seeded data.</summary>
    public static T[] ThroughConvolution(ShallowCase c, CpuIsa isa)
    {
        var g = c.Geometry;
        var (x, w, bias) = Data(c);
        T[] y = ConvCheck<T>.Filled(g.Batch * g.OutImageSize);
        fixed (T* px = x, pw = w, pb = bias, py = y)
        {
            T* b = c.WithBias ? pb : null;
            if (c.Relu) Convolution.ForwardRelu(g, px, pw, b, py, isa);
            else Convolution.Forward(g, px, pw, b, py, isa);
        }
        return y;
    }

    private static (T[] X, T[] W, T[] Bias) Data(ShallowCase c)
    {
        var g = c.Geometry;
        var random = new Random(c.Seed);
        return (ConvCheck<T>.Random(random, g.Batch * g.InImageSize), ConvCheck<T>.Random(random, g.WeightSize),
            ConvCheck<T>.Random(random, g.OutChannels));
    }
}
