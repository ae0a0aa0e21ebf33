using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The implicit-GEMM convolution passes on the CPU simulator against <see cref="ConvolutionReference"/> computed in
/// double from the same T-rounded inputs: odd sizes, stride 2 and 3, asymmetric padding, dilation 2, groups 2,
/// depthwise, 1×1, the 1-D case (H = 1), sizes crossing the 64-wide tiles, bias and ReLU on and off, float and
/// double; the weight gradient with one and several depth splits; NaN through the fused ReLU; argument errors.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuConvolutionTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>The geometries, each with whether the forward pass adds a bias and applies ReLU.</summary>
    public static TheoryData<string, ConvGeometry, bool, bool> Cases() => new()
    {
        { "3×3 pad 1, odd sizes", new ConvGeometry(2, 3, 7, 5, 4, 3, 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1), true, false },
        { "stride 2, asymmetric padding", new ConvGeometry(1, 2, 9, 8, 3, 3, 2, 2, 2, PadTop: 0, PadBottom: 1, PadLeft: 2, PadRight: 0), false, true },
        { "dilation 2", new ConvGeometry(2, 2, 8, 9, 3, 3, 3, PadTop: 2, PadBottom: 1, PadLeft: 1, PadRight: 2, DilationHeight: 2, DilationWidth: 2), true, true },
        { "groups 2", new ConvGeometry(2, 4, 6, 7, 6, 3, 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, Groups: 2), false, false },
        { "depthwise stride 2", new ConvGeometry(1, 5, 7, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, Groups: 5), true, false },
        { "1×1", new ConvGeometry(2, 7, 5, 6, 9, 1, 1), true, true },
        { "1-D", new ConvGeometry(3, 4, 1, 17, 5, 1, 3, 1, 2, PadLeft: 1, PadRight: 1), false, true },
        { "stride 3 over a 2×2 kernel: pixels no tap reads", new ConvGeometry(1, 2, 7, 7, 2, 2, 2, 3, 3), true, false },
        { "66 output channels: two row tiles", new ConvGeometry(1, 2, 6, 6, 66, 2, 2, PadTop: 1, PadBottom: 0, PadLeft: 0, PadRight: 1), true, true },
        { "65 input channels: two input-gradient row tiles", new ConvGeometry(1, 65, 4, 4, 2, 2, 2, PadTop: 1, PadBottom: 0, PadLeft: 0, PadRight: 1), false, false },
        { "15 depth steps: 3 weight-gradient splits of 5", new ConvGeometry(2, 1, 12, 10, 2, 3, 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1), true, false },
    };

    /// <summary>Forward, both dtypes, against the reference (plus bias, then ReLU, applied to it in double).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesReference(string name, ConvGeometry g, bool bias, bool relu)
    {
        AssertForward<float>(name, g, bias, relu, specials: false);
        AssertForward<double>(name, g, bias, relu, specials: false);
    }

    /// <summary>Input gradient, both dtypes; dx starts full of NaN so an element left unwritten shows.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardDataMatchesReference(string name, ConvGeometry g, bool bias, bool relu)
    {
        _ = (bias, relu);
        AssertBackwardData<float>(name, g);
        AssertBackwardData<double>(name, g);
    }

    /// <summary>
    /// Weight gradient: float with the default split (one, at these depths), double with 3 explicit splits summed by
    /// the second kernel (the deep-enough-to-split sizes are too slow for the simulator; the chooser is tested alone).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardWeightMatchesReference(string name, ConvGeometry g, bool bias, bool relu)
    {
        _ = (bias, relu);
        AssertBackwardWeight<float>(name, g, splits: null);
        AssertBackwardWeight<double>(name, g, splits: 3);
    }

    /// <summary>The split chooser gives the deep case more than one split and a shallow one a single split.</summary>
    [Fact]
    public void DeepWeightGradientsAreSplit()
    {
        Assert.True(GpuConvolution.WeightGradientSplits(new ConvGeometry(2, 1, 24, 24, 2, 3, 3, 1, 1, 1, 1, 1, 1)) > 1);
        Assert.Equal(1, GpuConvolution.WeightGradientSplits(new ConvGeometry(1, 2, 7, 7, 2, 2, 2, 3, 3)));
    }

    /// <summary>NaN in the input reaches the outputs that read it and the fused ReLU keeps it NaN, as on the CPU.</summary>
    [Fact]
    public void ReluKeepsNaN()
    {
        var g = new ConvGeometry(1, 2, 5, 6, 3, 3, 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1);
        AssertForward<float>("NaN input", g, bias: true, relu: true, specials: true);
        AssertForward<double>("NaN input", g, bias: false, relu: true, specials: true);
    }

    /// <summary>Two runs of the split weight gradient agree bit for bit.</summary>
    [Fact]
    public void WeightGradientIsDeterministic()
    {
        var g = new ConvGeometry(1, 1, 12, 10, 2, 3, 3, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1);
        var random = new Random(5);
        float[] x = GpuComparison.Random<float>(random, g.Batch * g.InImageSize, 1, false);
        float[] dy = GpuComparison.Random<float>(random, g.Batch * g.OutImageSize, 1, false);
        Assert.Equal(RunBackwardWeight(g, x, dy, 4), RunBackwardWeight(g, x, dy, 4));
    }

    /// <summary>An empty batch writes nothing to y and dx, and a zero weight gradient.</summary>
    [Fact]
    public void EmptyBatch()
    {
        var g = new ConvGeometry(0, 2, 5, 5, 3, 3, 3);
        var none = ArrayView<double>.Empty;
        using var w = _accelerator.Allocate1D(Enumerable.Repeat(double.NaN, (int)g.WeightSize).ToArray());
        GpuConvolution.Forward<double>(_accelerator, g, none, w.View, none, none, relu: false);
        GpuConvolution.BackwardData<double>(_accelerator, g, none, w.View, none);
        GpuConvolution.BackwardWeight<double>(_accelerator, g, none, none, w.View);
        _accelerator.Synchronize();
        Assert.All(w.GetAsArray1D(), value => Assert.Equal(0.0, value));
    }

    /// <summary>Bad arguments throw naming the pass, the problem and the geometry or view.</summary>
    [Fact]
    public void BadArgumentsThrowNamingTheProblem()
    {
        var g = new ConvGeometry(1, 2, 5, 5, 3, 3, 3);
        using var big = _accelerator.Allocate1D<float>(200);
        using var small = _accelerator.Allocate1D<float>(10);
        var groups = Assert.Throws<ArgumentException>(() =>
            GpuConvolution.Forward<float>(_accelerator, g with { Groups = 2 }, big.View, big.View, big.View, big.View, false));
        Assert.Contains("GpuConvolution.Forward: output channels 3 are not divisible by groups 2", groups.Message);

        var kernel = Assert.Throws<ArgumentException>(() =>
            GpuConvolution.BackwardData<float>(_accelerator, g with { KernelHeight = 7 }, big.View, big.View, big.View));
        Assert.Contains("GpuConvolution.BackwardData: the kernel 7×3", kernel.Message);

        var shortX = Assert.Throws<ArgumentException>(() =>
            GpuConvolution.BackwardWeight<float>(_accelerator, g, small.View, big.View, big.View));
        Assert.Contains("GpuConvolution.BackwardWeight: x has 10 elements but the geometry needs 50", shortX.Message);

        var shortBias = Assert.Throws<ArgumentException>(() =>
            GpuConvolution.Forward<float>(_accelerator, g, big.View, big.View, big.View.SubView(0, 2), big.View, true));
        Assert.Contains("bias has 2 elements but the geometry needs 3", shortBias.Message);

        using var ints = _accelerator.Allocate1D<int>(200);
        var type = Assert.Throws<NotSupportedException>(() =>
            GpuConvolution.Forward<int>(_accelerator, g, ints.View, ints.View, ints.View, ints.View, false));
        Assert.Contains("GpuConvolution.Forward supports float and double", type.Message);
    }

    private void AssertForward<T>(string name, ConvGeometry g, bool bias, bool relu, bool specials)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(name.Length * 7919 + g.GetHashCode());
        T[] x = GpuComparison.Random<T>(random, g.Batch * g.InImageSize, 1, specials);
        T[] w = GpuComparison.Random<T>(random, g.WeightSize, 1, false);
        T[] b = bias ? GpuComparison.Random<T>(random, g.OutChannels, 1, false) : [];
        double[] expected = new double[g.Batch * g.OutImageSize];
        fixed (double* px = ToDouble(x), pw = ToDouble(w), pb = ToDouble(b), py = expected)
            ConvolutionReference.Forward(g, px, pw, bias ? pb : null, py);
        if (relu)
            for (int i = 0; i < expected.Length; i++) expected[i] = double.IsNaN(expected[i]) ? expected[i] : Math.Max(expected[i], 0);

        using var xBuffer = _accelerator.Allocate1D(x);
        using var wBuffer = _accelerator.Allocate1D(w);
        // ILGPU cannot allocate an empty buffer: no bias is the empty view.
        using var bBuffer = bias ? _accelerator.Allocate1D(b) : null;
        using var yBuffer = _accelerator.Allocate1D(Filled<T>(expected.Length));
        GpuConvolution.Forward<T>(_accelerator, g, xBuffer.View, wBuffer.View, bBuffer?.View ?? ArrayView<T>.Empty, yBuffer.View, relu);
        T[] actual = yBuffer.GetAsArray1D();
        GpuComparison.AssertClose(FromDouble<T>(expected), actual, $"{typeof(T).Name} forward {name} bias={bias} relu={relu}");
        if (relu)
            Assert.All(actual, v => Assert.True(T.IsNaN(v) || v >= T.Zero, $"{name}: ReLU output {v} is negative"));
    }

    private void AssertBackwardData<T>(string name, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(name.Length * 104729 + 1);
        T[] dy = GpuComparison.Random<T>(random, g.Batch * g.OutImageSize, 1, false);
        T[] w = GpuComparison.Random<T>(random, g.WeightSize, 1, false);
        double[] expected = new double[g.Batch * g.InImageSize];
        fixed (double* pdy = ToDouble(dy), pw = ToDouble(w), pdx = expected)
            ConvolutionReference.BackwardData(g, pdy, pw, pdx);

        using var dyBuffer = _accelerator.Allocate1D(dy);
        using var wBuffer = _accelerator.Allocate1D(w);
        using var dxBuffer = _accelerator.Allocate1D(Filled<T>(expected.Length));
        GpuConvolution.BackwardData<T>(_accelerator, g, dyBuffer.View, wBuffer.View, dxBuffer.View);
        GpuComparison.AssertClose(FromDouble<T>(expected), dxBuffer.GetAsArray1D(), $"{typeof(T).Name} backward data {name}");
    }

    private void AssertBackwardWeight<T>(string name, ConvGeometry g, int? splits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(name.Length * 15485863 + 3);
        T[] x = GpuComparison.Random<T>(random, g.Batch * g.InImageSize, 1, false);
        T[] dy = GpuComparison.Random<T>(random, g.Batch * g.OutImageSize, 1, false);
        double[] expected = new double[g.WeightSize];
        fixed (double* px = ToDouble(x), pdy = ToDouble(dy), pdw = expected)
            ConvolutionReference.BackwardWeight(g, px, pdy, pdw);
        GpuComparison.AssertClose(FromDouble<T>(expected), RunBackwardWeight(g, x, dy, splits),
            $"{typeof(T).Name} backward weight {name} splits={splits?.ToString() ?? "default"}");
    }

    private T[] RunBackwardWeight<T>(ConvGeometry g, T[] x, T[] dy, int? splits) where T : unmanaged
    {
        using var xBuffer = _accelerator.Allocate1D(x);
        using var dyBuffer = _accelerator.Allocate1D(dy);
        using var dwBuffer = _accelerator.Allocate1D(Filled<T>(g.WeightSize));
        if (splits is { } s)
            GpuConvolution.BackwardWeight<T>(_accelerator, g, xBuffer.View, dyBuffer.View, dwBuffer.View, s);
        else
            GpuConvolution.BackwardWeight<T>(_accelerator, g, xBuffer.View, dyBuffer.View, dwBuffer.View);
        return dwBuffer.GetAsArray1D();
    }

    /// <summary>An output buffer's initial contents: NaN, so an element the kernel fails to write shows.</summary>
    private static T[] Filled<T>(long count) where T : unmanaged =>
        Enumerable.Repeat(GpuComparison.FromDouble<T>(double.NaN), (int)count).ToArray();

    private static double[] ToDouble<T>(T[] values) where T : unmanaged => values.Select(GpuComparison.ToDouble).ToArray();

    private static T[] FromDouble<T>(double[] values) where T : unmanaged => values.Select(GpuComparison.FromDouble<T>).ToArray();
}
