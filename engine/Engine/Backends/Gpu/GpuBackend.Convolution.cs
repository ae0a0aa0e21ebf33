using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry) => ConvForward(x, w, bias, y, geometry, relu: false);

    /// <inheritdoc/>
    public void Conv2dRelu(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry) => ConvForward(x, w, bias, y, geometry, relu: true);

    /// <inheritdoc/>
    public void Conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry geometry)
    {
        if (dx.DType == DType.Float32) GpuConvolution.BackwardData(Accelerator, geometry, E<float>(dy), E<float>(w), E<float>(dx));
        else GpuConvolution.BackwardData(Accelerator, geometry, E<double>(dy), E<double>(w), E<double>(dx));
    }

    /// <inheritdoc/>
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, ConvGeometry geometry)
    {
        if (dw.DType == DType.Float32) GpuConvolution.BackwardWeight(Accelerator, geometry, E<float>(x), E<float>(dy), E<float>(dw));
        else GpuConvolution.BackwardWeight(Accelerator, geometry, E<double>(x), E<double>(dy), E<double>(dw));
    }

    private void ConvForward(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry, bool relu)
    {
        if (y.DType == DType.Float32) GpuConvolution.Forward(Accelerator, geometry, E<float>(x), E<float>(w), OrEmpty<float>(bias), E<float>(y), relu);
        else GpuConvolution.Forward(Accelerator, geometry, E<double>(x), E<double>(w), OrEmpty<double>(bias), E<double>(y), relu);
    }
}
