using Engine.Kernels.Cpu;
using Engine.Tensors;
using Engine.Tests.Kernels;
using Engine.Tests.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>Small convolution geometries for finite differences (a few hundred elements at most).</summary>
public static class SmallConvArbitraries
{
    /// <summary>Cases whose tensors stay small.</summary>
    public static Arbitrary<ConvCase> Cases() => Arb.From(
        from g in ConvArbitraries.Geometries()
        where g.Batch * g.InImageSize <= 150 && g.Batch * g.OutImageSize <= 150
        from bias in Gen.Elements(false, true)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new ConvCase(g, bias, seed));
}

/// <summary>Gradients of the convolutions against central finite differences in float64.</summary>
[Properties(Arbitrary = [typeof(SmallConvArbitraries)], MaxTest = 20)]
public class ConvolutionGradientTests
{
    [Property]
    public void Conv2d(ConvCase c)
    {
        var g = c.Geometry;
        var (x, w, b) = ConvolutionOpTests.Operands(g, c.Seed, channelsLastInput: c.Seed % 2 == 1);
        var padding = ConvPadding.Explicit(g.PadTop, g.PadBottom, g.PadLeft, g.PadRight);
        Tensor Conv(Tensor[] t) => t[0].Conv2d(t[1], c.WithBias ? t[2] : null, (g.StrideHeight, g.StrideWidth), padding,
            (g.DilationHeight, g.DilationWidth), g.Groups).Square().Sum();
        Grad.Check(Conv, x, w, b);
    }

    [Property]
    public void Conv1d(ConvCase c)
    {
        var g = c.Geometry with { InHeight = 1, KernelHeight = 1, StrideHeight = 1, PadTop = 0, PadBottom = 0, DilationHeight = 1 };
        if (g.Problem() is not null) return;
        var (x, w, b) = ConvolutionOpTests.Operands(g, c.Seed, channelsLastInput: false);
        Grad.Check(t => t[0].Conv1d(t[1], t[2], g.StrideWidth, ConvPadding.Explicit(g.PadLeft, g.PadRight), g.DilationWidth, g.Groups).Tanh().Sum(),
            x.Squeeze(2), w.Squeeze(2), b);
    }

    [Property]
    public void ConvTranspose2d(ConvCase c)
    {
        var g = c.Geometry;
        // Transposed: the input has the convolution's output shape; the weight is [K, C/G, kh, kw] as for the conv.
        var random = new Generator((ulong)c.Seed);
        var x = Tensor.Uniform(new Shape(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth), -1, 1, DType.Float64, random);
        var w = Tensor.Uniform(new Shape(g.OutChannels, g.GroupInChannels, g.KernelHeight, g.KernelWidth), -1, 1, DType.Float64, random);
        var b = Tensor.Uniform(new Shape(g.InChannels), -1, 1, DType.Float64, random);
        int opH = Math.Min(g.StrideHeight, g.DilationHeight) > 1 && c.WithBias ? 1 : 0;
        var padding = ConvPadding.Explicit(g.PadTop, g.PadBottom, g.PadLeft, g.PadRight);
        Tensor Transposed(Tensor[] t) => t[0].ConvTranspose2d(t[1], t[2], (g.StrideHeight, g.StrideWidth), padding, (opH, 0),
            (g.DilationHeight, g.DilationWidth), g.Groups).Square().Sum();
        try { Transposed([x, w, b]); }
        catch (ArgumentException) { return; } // padding larger than the transposed output: not a valid case
        Grad.Check(Transposed, x, w, b);
    }

    [Fact]
    public void SamePaddingStridedConvolutionOfAChannelsLastInput()
    {
        var random = new Generator(5);
        var x = Tensor.Uniform(new Shape(2, 5, 6, 3), -1, 1, DType.Float64, random).Permute(0, 3, 1, 2);
        var w = Tensor.Uniform(new Shape(4, 3, 3, 2), -1, 1, DType.Float64, random);
        var b = Tensor.Uniform(new Shape(4), -1, 1, DType.Float64, random);
        Grad.Check(t => t[0].Conv2d(t[1], t[2], (2, 2), ConvPadding.Same).Relu().Sum(), x, w, b);
    }
}
