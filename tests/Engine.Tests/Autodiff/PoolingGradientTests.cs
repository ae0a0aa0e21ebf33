using Engine.Kernels.Cpu;
using Engine.Tensors;
using Engine.Tests.Kernels;
using Engine.Tests.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>Small pooling and upsampling cases for gradient checks: N, C in 1..2 and H, W in 1..6.</summary>
public static class PoolingGradArbitraries
{
    /// <summary>Poolings of at most 72 input elements (the general generator with its sizes scaled down).</summary>
    public static Arbitrary<PoolCase> Pools() => Arb.From(
        PoolingArbitraries.Pools().Generator
            .Select(c => c with { N = 1 + c.N % 2, C = 1 + c.C % 2, H = Math.Min(c.H, 6), W = Math.Min(c.W, 6) })
            .Where(c => c.KH <= c.H + 2 * c.PH && c.KW <= c.W + 2 * c.PW));

    /// <summary>Upsamplings of at most 32 input elements.</summary>
    public static Arbitrary<UpsampleCase> Upsamples() => Arb.From(
        PoolingArbitraries.Upsamples().Generator.Select(c => c with { N = 1 + c.N % 2, C = 1 + c.C % 2, H = Math.Min(c.H, 4), W = Math.Min(c.W, 4), SH = Math.Min(c.SH, 3), SW = Math.Min(c.SW, 3) }));
}

/// <summary>Pooling and upsampling: analytic gradients against central differences in float64, on any layout.</summary>
[Properties(Arbitrary = [typeof(PoolingGradArbitraries)], MaxTest = 25)]
public class PoolingGradientTests
{
    private static readonly MemoryLayout[] Layouts = [MemoryLayout.Contiguous, MemoryLayout.Transposed, MemoryLayout.Strided];

    /// <summary>A float64 tensor of <paramref name="shape"/>, laid out by the seed, with values in [-2, 2).</summary>
    private static Tensor Make(int[] shape, int seed) =>
        TensorArbitraries.Make(NdArray.Random(shape, new Random(seed)), DType.Float64, Layouts[seed % Layouts.Length]);

    /// <summary>
    /// Distinct values (a random permutation of 0.1·k), so no window has a tie that a ±eps step could flip:
    /// the maximum, and so the finite difference, is then smooth at the point checked.
    /// </summary>
    private static Tensor Distinct(int[] shape, int seed)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var values = Enumerable.Range(0, count).Select(k => 0.1 * k - 0.05 * count).ToArray();
        new Random(seed).Shuffle(values);
        return TensorArbitraries.Make(new NdArray(shape, values), DType.Float64, Layouts[seed % Layouts.Length]);
    }

    private static PoolCase OneD(PoolCase c) => c with { H = 1, KH = 1, SH = 1, PH = 0 };

    [Property]
    public void MaxPool2d(PoolCase c) =>
        Grad.Check(t => t[0].MaxPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW)), Distinct([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void MaxPool1d(PoolCase c)
    {
        c = OneD(c);
        Grad.Check(t => t[0].MaxPool1d(c.KW, c.SW, c.PW), Distinct([c.N, c.C, c.W], c.Seed));
    }

    [Property]
    public void AvgPool2d(PoolCase c, bool countIncludePad) =>
        Grad.Check(t => t[0].AvgPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW), countIncludePad), Make([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void AvgPool1d(PoolCase c, bool countIncludePad)
    {
        c = OneD(c);
        Grad.Check(t => t[0].AvgPool1d(c.KW, c.SW, c.PW, countIncludePad), Make([c.N, c.C, c.W], c.Seed));
    }

    [Property]
    public void GlobalAvgPool(UpsampleCase c, bool keepDims) =>
        Grad.Check(t => t[0].GlobalAvgPool(keepDims), Make([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void GlobalMaxPool(UpsampleCase c, bool keepDims) =>
        Grad.Check(t => t[0].GlobalMaxPool(keepDims), Distinct([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void Upsample2d(UpsampleCase c, bool bilinear) =>
        Grad.Check(t => t[0].Upsample2d((c.SH, c.SW), bilinear ? UpsampleMode.Bilinear : UpsampleMode.Nearest), Make([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void Pooling_composes_with_other_ops(PoolCase c) =>
        Grad.Check(t => (t[0].MaxPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW)) * 2).Upsample2d(2, UpsampleMode.Bilinear).Sum()
                        + t[0].AvgPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW)).Exp().Sum(),
            Distinct([c.N, c.C, c.H, c.W], c.Seed));

    [Property]
    public void Bilinear_gradient_is_the_adjoint_of_the_upsampling(UpsampleCase c)
    {
        // <up(x), y> = <x, upᵀ(y)>, with upᵀ(y) the gradient that Backward(y) leaves in x.
        var x = Make([c.N, c.C, c.H, c.W], c.Seed).Detach();
        x.RequiresGrad = true;
        var up = x.Upsample2d((c.SH, c.SW), UpsampleMode.Bilinear);
        var y = Tensor.Uniform(up.Shape, -1, 1, DType.Float64, new Generator((ulong)c.Seed));
        up.Backward(y);
        double left = (up * y).Sum().Item(), right = (x * x.Grad!).Sum().Item();
        Assert.True(Math.Abs(left - right) <= 1e-10 * Math.Max(1, Math.Abs(left)), $"{c}: {left} vs {right}");
    }

    [Fact]
    public void Overlapping_windows_that_share_a_maximum_add_their_gradients()
    {
        // 3×3 plane with its maximum in the middle: all four 2×2 stride-1 windows pick it.
        var x = Tensor.FromArray(new double[] { 0, 1, 2, 3, 9, 4, 5, 6, 7 }, new Shape(1, 1, 3, 3), requiresGrad: true);
        x.MaxPool2d(2, 1).Sum().Backward();
        Assert.Equal(new double[] { 0, 0, 0, 0, 4, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Max_pool_ties_route_the_gradient_to_the_first_cell_in_window_order()
    {
        var x = Tensor.FromArray(new double[] { 1, 5, 5, 5 }, new Shape(1, 1, 2, 2), requiresGrad: true);
        x.MaxPool2d(2).Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Float32_gradients_agree_with_float64()
    {
        var x64 = Tensor.Uniform(new Shape(2, 3, 6, 5), -1, 1, DType.Float64, new Generator(3), requiresGrad: true);
        var x32 = x64.Detach().To(DType.Float32);
        x32.RequiresGrad = true;
        foreach (var x in new[] { x64, x32 })
            (x.MaxPool2d(2) .Sum() + x.AvgPool2d(3, 2, 1, false).Square().Sum() + x.Upsample2d(2, UpsampleMode.Bilinear).Square().Sum()).Backward();
        Close.Equal(NdArray.Of(x64.Grad!), x32.Grad!, 1e-5, 1e-5);
    }
}
