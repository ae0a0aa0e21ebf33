using System.Numerics;
using Engine.Kernels.Cpu;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Kernels;

/// <summary>A random convolution problem: its sizes, whether it has a bias, and the seed of its data.</summary>
public sealed record ConvCase(ConvGeometry Geometry, bool WithBias, int Seed)
{
    /// <summary>Readable in a failure report.</summary>
    public override string ToString() => $"{Geometry} bias={WithBias} seed={Seed}";
}

/// <summary>
/// FsCheck generators of valid convolution geometries: batch 1–3, groups 1–3 with 1–3 channels each, images
/// 1–12 (odd sizes included), kernels 1–4, strides 1–3, dilations 1–2, paddings 0–2 per side, and a share of
/// pointwise (1×1) cases, which take the GEMM-on-the-image path.
/// </summary>
public static class ConvArbitraries
{
    /// <summary>Valid geometries.</summary>
    public static Gen<ConvGeometry> Geometries() =>
        (from n in Gen.Choose(1, 3)
         from groups in Gen.Elements(1, 1, 2, 3)
         from cg in Gen.Choose(1, 3)
         from kg in Gen.Choose(1, 3)
         from h in Gen.Choose(1, 12)
         from w in Gen.Choose(1, 12)
         from pointwise in Gen.Elements(false, false, false, true)
         from kh in Gen.Choose(1, 4)
         from kw in Gen.Choose(1, 4)
         from sh in Gen.Choose(1, 3)
         from sw in Gen.Choose(1, 3)
         from dh in Gen.Choose(1, 2)
         from dw in Gen.Choose(1, 2)
         from pads in Gen.ArrayOf(Gen.Choose(0, 2), 4)
         select pointwise
             ? new ConvGeometry(n, groups * cg, h, w, groups * kg, 1, 1, Groups: groups)
             : new ConvGeometry(n, groups * cg, h, w, groups * kg, kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3], dh, dw, groups))
        .Where(g => g.Problem() is null);

    /// <summary>Random cases.</summary>
    public static Arbitrary<ConvCase> Cases() => Arb.From(
        from g in Geometries()
        from bias in Gen.Elements(false, true)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new ConvCase(g, bias, seed));
}

/// <summary>
/// The GEMM-based convolution kernels (forward, input gradient, weight gradient) against the direct-loop
/// <see cref="ConvolutionReference"/>, on every instruction-set path, in float and double.
/// </summary>
[Properties(Arbitrary = [typeof(ConvArbitraries)], MaxTest = 60)]
public class ConvolutionKernelTests
{
    private static readonly CpuIsa[] Paths = IsaPaths.Executable;

    [Property]
    public void EveryPassMatchesTheReferenceInDouble(ConvCase c)
    {
        foreach (var isa in Paths) ConvCheck<double>.AllPasses(c, isa, tolerance: 1e-12);
    }

    [Property(MaxTest = 30)]
    public void EveryPassMatchesTheReferenceInFloat(ConvCase c)
    {
        foreach (var isa in Paths) ConvCheck<float>.AllPasses(c, isa, tolerance: 2e-5);
    }

    /// <summary>Images large enough to be cut into several im2col column blocks, with blocks ending mid-row.</summary>
    [Theory]
    [InlineData(2, 8, 40, 37, 16, 3, 3, 1, 1, 1, 1, 1)]
    [InlineData(1, 6, 45, 45, 8, 5, 5, 2, 2, 2, 1, 2)]
    [InlineData(3, 12, 30, 33, 12, 3, 3, 1, 2, 1, 1, 3)]
    [InlineData(2, 64, 20, 20, 32, 1, 1, 1, 1, 0, 1, 1)]
    [InlineData(2, 64, 9, 11, 8, 3, 3, 1, 1, 1, 1, 1)]
    [InlineData(3, 1, 28, 28, 32, 3, 3, 1, 1, 0, 1, 1)]
    [InlineData(2, 3, 10, 9, 32, 2, 2, 2, 1, 1, 1, 1)]
    [InlineData(1, 128, 7, 6, 6, 3, 2, 1, 1, 1, 2, 2)]
    public void LargeImagesSpanSeveralColumnBlocks(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int pad, int dilation, int groups)
    {
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, sh, sw, pad, pad, pad, pad, dilation, dilation, groups);
        Assert.Null(g.Problem());
        ConvCheck<float>.AllPasses(new ConvCase(g, true, 7), IsaDispatch.Active, tolerance: 5e-5);
        ConvCheck<double>.AllPasses(new ConvCase(g, true, 8), CpuIsa.Scalar, tolerance: 1e-12);
    }

    [Fact]
    public void InvalidGeometryIsRejectedWithTheProblem()
    {
        var g = new ConvGeometry(1, 3, 4, 4, 4, 3, 3, Groups: 2);
        var e = Assert.Throws<ArgumentException>(() => ConvCheck<float>.AllPasses(new ConvCase(g, false, 1), CpuIsa.Scalar, 1e-5));
        Assert.Contains("not divisible by groups 2", e.Message);
    }
}

/// <summary>Runs the three passes of one case on a path and compares them with the reference.</summary>
internal static unsafe class ConvCheck<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void AllPasses(ConvCase c, CpuIsa isa, double tolerance)
    {
        var g = c.Geometry;
        var random = new Random(c.Seed);
        T[] x = Random(random, g.Batch * g.InImageSize), w = Random(random, g.WeightSize);
        T[] bias = Random(random, g.OutChannels), dy = Random(random, g.Batch * g.OutImageSize);
        T[] y = new T[g.Batch * g.OutImageSize], yRef = new T[y.Length];
        T[] dx = Filled(g.Batch * g.InImageSize), dxRef = new T[dx.Length];
        T[] dw = Filled(g.WeightSize), dwRef = new T[dw.Length];
        Array.Fill(y, T.CreateChecked(777)); // outputs are only written: junk must not leak through
        fixed (T* px = x, pw = w, pb = bias, pdy = dy, py = y, pyRef = yRef, pdx = dx, pdxRef = dxRef, pdw = dw, pdwRef = dwRef)
        {
            T* b = c.WithBias ? pb : null;
            Convolution.Forward(g, px, pw, b, py, isa);
            ConvolutionReference.Forward(g, px, pw, b, pyRef);
            Convolution.BackwardData(g, pdy, pw, pdx, isa);
            ConvolutionReference.BackwardData(g, pdy, pw, pdxRef);
            Convolution.BackwardWeight(g, px, pdy, pdw, isa);
            ConvolutionReference.BackwardWeight(g, px, pdy, pdwRef);
        }
        Compare("forward", y, yRef, g, isa, tolerance);
        Compare("input gradient", dx, dxRef, g, isa, tolerance);
        Compare("weight gradient", dw, dwRef, g, isa, tolerance);
    }

    internal static T[] Random(Random random, long count)
    {
        var values = new T[count];
        for (long i = 0; i < count; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Junk in an output: it is only written, so none may leak through.</summary>
    internal static T[] Filled(long count)
    {
        var values = new T[count];
        Array.Fill(values, T.CreateChecked(-555));
        return values;
    }

    /// <summary>Each element within tolerance · (1 + |reference|) · √(terms) of the reference.</summary>
    private static void Compare(string pass, T[] actual, T[] expected, ConvGeometry g, CpuIsa isa, double tolerance) =>
        Within(pass, actual, expected, g, isa, tolerance * Math.Sqrt(Math.Max(g.PatchSize, g.Batch * g.OutPlaneSize)));

    /// <summary>Each element within bound · (1 + |reference|) of the reference.</summary>
    internal static void Within(string pass, T[] actual, T[] expected, ConvGeometry g, CpuIsa isa, double bound)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            double a = double.CreateChecked(actual[i]), e = double.CreateChecked(expected[i]);
            if (!(Math.Abs(a - e) <= bound * (1 + Math.Abs(e))))
                Assert.Fail($"{pass} on {isa} ({typeof(T).Name}) differs at {i}: {a} vs reference {e}; {g}");
        }
    }
}
