using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry)
    {
        if (x.DType == DType.Float32)
            Convolution.Forward(geometry, Ptr<float>(x), Ptr<float>(w), bias is null ? null : Ptr<float>(bias), Ptr<float>(y));
        else
            Convolution.Forward(geometry, Ptr<double>(x), Ptr<double>(w), bias is null ? null : Ptr<double>(bias), Ptr<double>(y));
        GC.KeepAlive(x); GC.KeepAlive(w); GC.KeepAlive(bias); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Conv2dRelu(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry)
    {
        var isa = IsaDispatch.Active;
        if (x.DType == DType.Float32)
            Convolution.ForwardRelu(geometry, Ptr<float>(x), Ptr<float>(w), bias is null ? null : Ptr<float>(bias), Ptr<float>(y), isa);
        else
            Convolution.ForwardRelu(geometry, Ptr<double>(x), Ptr<double>(w), bias is null ? null : Ptr<double>(bias), Ptr<double>(y), isa);
        GC.KeepAlive(x); GC.KeepAlive(w); GC.KeepAlive(bias); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry geometry)
    {
        if (dy.DType == DType.Float32)
            Convolution.BackwardData(geometry, Ptr<float>(dy), Ptr<float>(w), Ptr<float>(dx));
        else
            Convolution.BackwardData(geometry, Ptr<double>(dy), Ptr<double>(w), Ptr<double>(dx));
        GC.KeepAlive(dy); GC.KeepAlive(w); GC.KeepAlive(dx);
    }

    /// <inheritdoc/>
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, ConvGeometry geometry)
    {
        if (x.DType == DType.Float32)
            Convolution.BackwardWeight(geometry, Ptr<float>(x), Ptr<float>(dy), Ptr<float>(dw));
        else
            Convolution.BackwardWeight(geometry, Ptr<double>(x), Ptr<double>(dy), Ptr<double>(dw));
        GC.KeepAlive(x); GC.KeepAlive(dy); GC.KeepAlive(dw);
    }
}
