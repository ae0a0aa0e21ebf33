using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// Dropout on the GPU backend draws its mask on the device and gives exactly the CPU backend's output and gradient
/// for the same seed.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuDropoutTests
{
    [Theory]
    [InlineData(DType.Float32, 0.2)]
    [InlineData(DType.Float32, 0.5)]
    [InlineData(DType.Float64, 0.35)]
    [InlineData(DType.Float64, 1.0)]
    public void Dropout_and_its_gradient_equal_the_cpu_bit_for_bit(DType dtype, double p)
    {
        var gpu = GpuTestDevice.Device;
        var x = Tensor.Uniform(new Shape(7, 13), -2, 2, dtype, new Generator(3));
        var (cpuY, cpuGrad) = DropoutOn(x, p);
        var (gpuY, gpuGrad) = DropoutOn(x.To(gpu), p);
        Assert.Equal(gpu, gpuY.Device);
        Assert.Equal(cpuY.ToDoubles(), gpuY.To(Device.Cpu).ToDoubles());
        Assert.Equal(cpuGrad.ToDoubles(), gpuGrad.To(Device.Cpu).ToDoubles());
    }

    private static (Tensor Y, Tensor Grad) DropoutOn(Tensor x, double p)
    {
        var leaf = x.Detach();
        leaf.RequiresGrad = true;
        var y = leaf.Dropout(p, training: true, new Generator(21));
        (y * y.Detach()).Sum().Backward();
        return (y, leaf.Grad!);
    }
}
