using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>
/// Keras' clipping options through an SGD step with lr 1 from zero, so each parameter ends at minus its clipped
/// gradient, and the clipped gradients are left in Grad.
/// </summary>
public class GradientClippingTests
{
    private static (Tensor A, Tensor B) Parameters(DType dtype)
    {
        var a = Tensor.Zeros(new Shape(2, 2), dtype, requiresGrad: true);
        var b = Tensor.Zeros(new Shape(3), dtype, requiresGrad: true);
        return (a, b);
    }

    private static readonly double[] GradA = [3, -4, 0, 0];   // norm 5
    private static readonly double[] GradB = [0.5, -0.25, 1]; // norm √1.3125

    private static (double[] A, double[] B) StepWith(Action<Optimizer> configure, DType dtype = DType.Float64)
    {
        var (a, b) = Parameters(dtype);
        var optimizer = new Sgd(learningRate: 1, parameters: [a, b]);
        configure(optimizer);
        OptimizerTests.SetGrad(a, GradA);
        OptimizerTests.SetGrad(b, GradB);
        optimizer.Step();
        var moved = (a.ToDoubles().Select(v => -v).ToArray(), b.ToDoubles().Select(v => -v).ToArray());
        Assert.Equal(moved.Item1, a.Grad!.ToDoubles());
        Assert.Equal(moved.Item2, b.Grad!.ToDoubles());
        return moved;
    }

    private static void Near(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], tolerance);
    }

    [Fact]
    public void Without_clipping_the_gradient_is_applied_as_is()
    {
        var (a, b) = StepWith(_ => { });
        Assert.Equal(GradA, a);
        Assert.Equal(GradB, b);
    }

    [Fact]
    public void ClipValue_clamps_each_element()
    {
        var (a, b) = StepWith(o => o.ClipValue = 0.6);
        Assert.Equal([0.6, -0.6, 0, 0], a);
        Assert.Equal([0.5, -0.25, 0.6], b);
    }

    [Theory]
    [InlineData(DType.Float64, 1e-15)]
    [InlineData(DType.Float32, 1e-6)]
    public void ClipNorm_rescales_each_gradient_above_the_limit_on_its_own(DType dtype, double tolerance)
    {
        var (a, b) = StepWith(o => o.ClipNorm = 2, dtype);
        // |gA| = 5 > 2: scaled by 2/5; |gB| ≈ 1.146 ≤ 2: unchanged.
        Near(GradA.Select(g => g * 2 / 5).ToArray(), a, tolerance);
        Near(GradB, b, tolerance);
    }

    [Theory]
    [InlineData(DType.Float64, 1e-15)]
    [InlineData(DType.Float32, 1e-6)]
    public void GlobalClipNorm_rescales_all_gradients_by_their_joint_norm(DType dtype, double tolerance)
    {
        var (a, b) = StepWith(o => o.GlobalClipNorm = 2, dtype);
        double global = Math.Sqrt(25 + 1.3125);
        Near(GradA.Select(g => g * 2 / global).ToArray(), a, tolerance);
        Near(GradB.Select(g => g * 2 / global).ToArray(), b, tolerance);
    }

    [Fact]
    public void GlobalClipNorm_above_the_joint_norm_changes_nothing()
    {
        var (a, b) = StepWith(o => o.GlobalClipNorm = 10);
        Assert.Equal(GradA, a);
        Assert.Equal(GradB, b);
    }

    [Fact]
    public void Global_norm_of_large_float32_gradients_is_accurate()
    {
        var p = Tensor.Zeros(new Shape(200_000), DType.Float32, requiresGrad: true);
        var g = Enumerable.Repeat(0.01, 200_000).ToArray();
        OptimizerTests.SetGrad(p, g);
        var optimizer = new Sgd(learningRate: 1, parameters: [p]) { GlobalClipNorm = 1 };
        optimizer.Step();
        // |g| = 0.01·√200000 ≈ 4.47: the clipped gradient has norm 1 to float precision.
        double norm = Math.Sqrt(p.ToDoubles().Sum(v => v * v));
        Assert.Equal(1, norm, 1e-5);
    }
}
