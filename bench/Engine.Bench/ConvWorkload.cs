using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>The forward pass of one convolution layer through the tensor API (<see cref="Tensor.Conv2d"/>), in inference mode, on a device.</summary>
internal sealed class ConvWorkload : IWorkload
{
    private readonly Tensor _x;
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly ConvShape _shape;
    private readonly Device _device;

    public ConvWorkload(ConvShape shape, Device device)
    {
        _device = device;
        var g = new Generator(1);
        _shape = shape;
        _x = Tensor.Uniform(new Shape(shape.Batch, shape.InChannels, shape.Height, shape.Width), -1, 1, generator: g, device: device);
        _weight = Tensor.Uniform(new Shape(shape.OutChannels, shape.InChannels, shape.Kernel, shape.Kernel), -0.1, 0.1, generator: g, device: device);
        _bias = Tensor.Uniform(new Shape(shape.OutChannels), -0.1, 0.1, generator: g, device: device);
    }

    public void Run()
    {
        using (Autograd.NoGrad())
        using (var y = _x.Conv2d(_weight, _bias, padding: _shape.Padding)) { }
        _device.Synchronize();
    }

    public void Dispose()
    {
        _x.Dispose(); _weight.Dispose(); _bias.Dispose();
    }
}
