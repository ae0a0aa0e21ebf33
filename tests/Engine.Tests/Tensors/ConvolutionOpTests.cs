using Engine.Kernels.Cpu;
using Engine.Tensors;
using Engine.Tests.Kernels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>Conv1d, Conv2d and ConvTranspose2d as tensor ops: against naive loops, the adjoint identity, sizes and errors.</summary>
[Properties(Arbitrary = [typeof(ConvArbitraries)], MaxTest = 40)]
public class ConvolutionOpTests
{
    [Property]
    public void Conv2dMatchesNaiveLoops(ConvCase c)
    {
        var g = c.Geometry;
        var (x, w, b) = Operands(g, c.Seed, channelsLastInput: c.Seed % 2 == 0);
        var y = x.Conv2d(w, c.WithBias ? b : null, (g.StrideHeight, g.StrideWidth),
            ConvPadding.Explicit(g.PadTop, g.PadBottom, g.PadLeft, g.PadRight), (g.DilationHeight, g.DilationWidth), g.Groups);
        Assert.Equal(new Shape(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth), y.Shape);
        var expected = NaiveConv.Forward(g, x.ToArray<double>(), w.ToArray<double>(), c.WithBias ? b.ToArray<double>() : null);
        AssertClose(expected, y.ToArray<double>());
    }

    [Property]
    public void Conv1dMatchesNaiveLoops(ConvCase c)
    {
        var g = c.Geometry with { InHeight = 1, KernelHeight = 1, StrideHeight = 1, PadTop = 0, PadBottom = 0, DilationHeight = 1 };
        if (g.Problem() is not null) return;
        var (x, w, b) = Operands(g, c.Seed, channelsLastInput: false);
        var y = x.Squeeze(2).Conv1d(w.Squeeze(2), b, g.StrideWidth, ConvPadding.Explicit(g.PadLeft, g.PadRight), g.DilationWidth, g.Groups);
        Assert.Equal(new Shape(g.Batch, g.OutChannels, g.OutWidth), y.Shape);
        AssertClose(NaiveConv.Forward(g, x.ToArray<double>(), w.ToArray<double>(), b.ToArray<double>()), y.ToArray<double>());
    }

    /// <summary>⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩: the transposed convolution is the adjoint of the convolution.</summary>
    [Property]
    public void ConvTransposeIsTheAdjointOfConv(ConvCase c)
    {
        var g = c.Geometry;
        var (x, w, _) = Operands(g, c.Seed, channelsLastInput: false);
        var y = Tensor.Uniform(new Shape(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth), -1, 1, DType.Float64, new Generator((ulong)c.Seed + 1));
        // The output padding that makes the transposed output exactly H×W (the rows a strided conv never reads).
        int opH = (g.InHeight + g.PadTop + g.PadBottom - g.DilationHeight * (g.KernelHeight - 1) - 1) % g.StrideHeight;
        int opW = (g.InWidth + g.PadLeft + g.PadRight - g.DilationWidth * (g.KernelWidth - 1) - 1) % g.StrideWidth;
        var padding = ConvPadding.Explicit(g.PadTop, g.PadBottom, g.PadLeft, g.PadRight);
        var conv = x.Conv2d(w, null, (g.StrideHeight, g.StrideWidth), padding, (g.DilationHeight, g.DilationWidth), g.Groups);
        var transposed = y.ConvTranspose2d(w, null, (g.StrideHeight, g.StrideWidth), padding, (opH, opW), (g.DilationHeight, g.DilationWidth), g.Groups);
        Assert.Equal(x.Shape, transposed.Shape);
        double left = (conv * y).Sum().Item<double>(), right = (x * transposed).Sum().Item<double>();
        Assert.True(Math.Abs(left - right) <= 1e-10 * (1 + Math.Abs(left)), $"⟨conv x, y⟩ = {left} but ⟨x, convᵀ y⟩ = {right}");
    }

    /// <summary>The fused convolution + ReLU equals the two ops in sequence: values and every gradient, exactly.</summary>
    [Property(MaxTest = 25)]
    public void FusedReluEqualsConvolutionThenRelu(ConvCase c)
    {
        var g = c.Geometry;
        var (x, w, b) = Operands(g, c.Seed, channelsLastInput: false);
        Tensor[] Leaves() => [x.Detach().Clone(), w.Detach().Clone(), b.Detach().Clone()];
        var padding = ConvPadding.Explicit(g.PadTop, g.PadBottom, g.PadLeft, g.PadRight);
        var results = new List<double[]>();
        foreach (bool fused in new[] { true, false })
        {
            var leaves = Leaves();
            foreach (var leaf in leaves) leaf.RequiresGrad = true;
            var y = fused
                ? leaves[0].Conv2dRelu(leaves[1], leaves[2], (g.StrideHeight, g.StrideWidth), padding, (g.DilationHeight, g.DilationWidth), g.Groups)
                : leaves[0].Conv2d(leaves[1], leaves[2], (g.StrideHeight, g.StrideWidth), padding, (g.DilationHeight, g.DilationWidth), g.Groups).Relu();
            (y * (y.Detach() + 0.5)).Sum().Backward(); // a non-uniform output gradient
            results.Add([.. y.ToArray<double>(), .. leaves.SelectMany(l => l.Grad!.ToArray<double>())]);
        }
        Assert.Equal(results[1], results[0]);
    }

    [Property(MaxTest = 100)]
    public void SamePaddingGivesCeilingOfSizeOverStride(PositiveInt size, PositiveInt kernel, PositiveInt stride, bool dilated)
    {
        int h = size.Get % 15 + 1, k = kernel.Get % 5 + 1, s = stride.Get % 3 + 1, d = dilated ? 2 : 1;
        var x = Tensor.Zeros(new Shape(1, 2, h, h + 1));
        var y = x.Conv2d(Tensor.Zeros(new Shape(3, 2, k, k)), null, (s, s), ConvPadding.Same, (d, d));
        Assert.Equal(new Shape(1, 3, (h + s - 1) / s, (h + 1 + s - 1) / s), y.Shape);
        var t = y.ConvTranspose2d(Tensor.Zeros(new Shape(3, 2, k, k)), null, (s, s), ConvPadding.Same, dilation: (d, d));
        Assert.Equal(new Shape(1, 2, y.Shape[2] * s, y.Shape[3] * s), t.Shape);
    }

    [Fact]
    public void TransposedOutputSizeFollowsPyTorchsFormula()
    {
        // (H − 1)·s − 2p + d·(k − 1) + 1 + outputPadding: (5−1)·2 − 2 + 2 + 1 + 1 = 10; (7−1)·2 − 2 + 2 + 1 + 0 = 13.
        var y = Tensor.Zeros(new Shape(2, 4, 5, 7)).ConvTranspose2d(Tensor.Zeros(new Shape(4, 3, 3, 3)), Tensor.Zeros(new Shape(3)),
            (2, 2), 1, outputPadding: (1, 0));
        Assert.Equal(new Shape(2, 3, 10, 13), y.Shape);
        var grouped = Tensor.Zeros(new Shape(1, 4, 3, 3)).ConvTranspose2d(Tensor.Zeros(new Shape(4, 3, 2, 2)), null, (2, 2), groups: 2);
        Assert.Equal(new Shape(1, 6, 6, 6), grouped.Shape);
    }

    [Fact]
    public void DepthwiseConvolutionFiltersEachChannelAlone()
    {
        // groups = C: channel c of the output sees only channel c of the input.
        var values = new double[3 * 16];
        Array.Fill(values, 1.0, 16, 16);
        var x = Tensor.FromArray(values, new Shape(1, 3, 4, 4));
        var y = x.Conv2d(Tensor.Ones(new Shape(3, 1, 3, 3), DType.Float64), null, padding: 1, groups: 3);
        Assert.Equal(0.0, y[0, 0].Abs().Sum().Item<double>());
        Assert.Equal(0.0, y[0, 2].Abs().Sum().Item<double>());
        Assert.Equal(9.0, y[0, 1, 1, 1].Item<double>());
        Assert.Equal(4.0, y[0, 1, 0, 0].Item<double>());
    }

    [Fact]
    public void BadInputNamesTheOpShapesAndParameters()
    {
        var x = Tensor.Zeros(new Shape(1, 4, 5, 5));
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 4, 7, 7))), "Conv2d", "larger than the padded input", "(1, 4, 5, 5)", "(2, 4, 7, 7)");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 2, 3, 3)), groups: 3), "Conv2d", "not divisible by groups 3", "groups 3");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 3, 3, 3))), "Conv2d", "expects 3 input channels", "(2, 3, 3, 3)");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 4, 3))), "Conv2d", "weight must be", "(2, 4, 3)");
        AssertMessage(() => x.Reshape(4, 5, 5).Conv2d(Tensor.Zeros(new Shape(2, 4, 3, 3))), "Conv2d", "input must be [N, C, H, W]");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 4, 3, 3)), Tensor.Zeros(new Shape(3))), "Conv2d", "bias", "2 output channels");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 4, 3, 3), DType.Float64)), "Conv2d", "does not match");
        AssertMessage(() => x.Conv2d(Tensor.Zeros(new Shape(2, 4, 3, 3)), stride: (0, 1)), "Conv2d", "stride must be positive");
        AssertMessage(() => x.Reshape(1, 4, 25).Conv1d(Tensor.Zeros(new Shape(2, 4, 30))), "Conv1d", "larger than the padded input");
        AssertMessage(() => x.ConvTranspose2d(Tensor.Zeros(new Shape(3, 2, 3, 3))), "ConvTranspose2d", "needs 3 input channels");
        AssertMessage(() => x.ConvTranspose2d(Tensor.Zeros(new Shape(4, 2, 3, 3)), stride: (2, 2), outputPadding: (2, 0)), "ConvTranspose2d", "output padding");
    }

    private static void AssertMessage(Action action, params string[] fragments)
    {
        var e = Assert.Throws<ArgumentException>(action);
        foreach (var fragment in fragments) Assert.Contains(fragment, e.Message);
    }

    /// <summary>Float64 operands; the input optionally as a channels-last tensor permuted to NCHW (a strided view).</summary>
    internal static (Tensor X, Tensor W, Tensor B) Operands(ConvGeometry g, int seed, bool channelsLastInput)
    {
        var random = new Generator((ulong)seed);
        var x = channelsLastInput
            ? Tensor.Uniform(new Shape(g.Batch, g.InHeight, g.InWidth, g.InChannels), -1, 1, DType.Float64, random).Permute(0, 3, 1, 2)
            : Tensor.Uniform(new Shape(g.Batch, g.InChannels, g.InHeight, g.InWidth), -1, 1, DType.Float64, random);
        var w = Tensor.Uniform(new Shape(g.OutChannels, g.GroupInChannels, g.KernelHeight, g.KernelWidth), -1, 1, DType.Float64, random);
        var b = Tensor.Uniform(new Shape(g.OutChannels), -1, 1, DType.Float64, random);
        return (x, w, b);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])) * 64, $"element {i}: {actual[i]} vs naive {expected[i]}");
    }
}

/// <summary>A convolution written as the textbook sum, independent of the kernels' im2col formulation.</summary>
internal static class NaiveConv
{
    public static double[] Forward(ConvGeometry g, double[] x, double[] w, double[]? bias)
    {
        int oh = g.OutHeight, ow = g.OutWidth, cg = g.GroupInChannels, kg = g.GroupOutChannels;
        var y = new double[g.Batch * g.OutChannels * oh * ow];
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.OutChannels; k++)
                for (int r = 0; r < oh; r++)
                    for (int s = 0; s < ow; s++)
                    {
                        double sum = bias?[k] ?? 0;
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < g.KernelHeight; i++)
                                for (int j = 0; j < g.KernelWidth; j++)
                                {
                                    int row = r * g.StrideHeight + i * g.DilationHeight - g.PadTop;
                                    int col = s * g.StrideWidth + j * g.DilationWidth - g.PadLeft;
                                    if (row < 0 || row >= g.InHeight || col < 0 || col >= g.InWidth) continue;
                                    int channel = k / kg * cg + c;
                                    sum += x[((n * g.InChannels + channel) * g.InHeight + row) * g.InWidth + col]
                                        * w[((k * cg + c) * g.KernelHeight + i) * g.KernelWidth + j];
                                }
                        y[((n * g.OutChannels + k) * oh + r) * ow + s] = sum;
                    }
        return y;
    }
}
