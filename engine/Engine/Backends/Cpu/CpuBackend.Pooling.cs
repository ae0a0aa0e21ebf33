using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void MaxPool2d(Tensor x, PoolGeometry geometry, Tensor y, Tensor argmax)
    {
        long planes = Planes(x);
        if (x.DType == DType.Float32) Kernels.Cpu.MaxPool2d.Forward(Ptr<float>(x), planes, geometry, Ptr<float>(y), Ptr<int>(argmax));
        else Kernels.Cpu.MaxPool2d.Forward(Ptr<double>(x), planes, geometry, Ptr<double>(y), Ptr<int>(argmax));
        GC.KeepAlive(x); GC.KeepAlive(y); GC.KeepAlive(argmax);
    }

    /// <inheritdoc/>
    public void MaxPool2dBackward(Tensor dy, Tensor argmax, PoolGeometry geometry, Tensor dx)
    {
        long planes = Planes(dx);
        if (dx.DType == DType.Float32) Kernels.Cpu.MaxPool2d.Backward(Ptr<float>(dy), Ptr<int>(argmax), planes, geometry, Ptr<float>(dx));
        else Kernels.Cpu.MaxPool2d.Backward(Ptr<double>(dy), Ptr<int>(argmax), planes, geometry, Ptr<double>(dx));
        GC.KeepAlive(dy); GC.KeepAlive(argmax); GC.KeepAlive(dx);
    }

    /// <inheritdoc/>
    public void AvgPool2d(Tensor x, PoolGeometry geometry, bool countIncludePad, Tensor y)
    {
        long planes = Planes(x);
        if (x.DType == DType.Float32) Kernels.Cpu.AvgPool2d.Forward(Ptr<float>(x), planes, geometry, countIncludePad, Ptr<float>(y));
        else Kernels.Cpu.AvgPool2d.Forward(Ptr<double>(x), planes, geometry, countIncludePad, Ptr<double>(y));
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void AvgPool2dBackward(Tensor dy, PoolGeometry geometry, bool countIncludePad, Tensor dx)
    {
        long planes = Planes(dx);
        if (dx.DType == DType.Float32) Kernels.Cpu.AvgPool2d.Backward(Ptr<float>(dy), planes, geometry, countIncludePad, Ptr<float>(dx));
        else Kernels.Cpu.AvgPool2d.Backward(Ptr<double>(dy), planes, geometry, countIncludePad, Ptr<double>(dx));
        GC.KeepAlive(dy); GC.KeepAlive(dx);
    }

    /// <inheritdoc/>
    public void Upsample2d(Tensor x, UpsampleMode mode, Tensor y)
    {
        var (planes, h, w, oh, ow) = (Planes(x), x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3]);
        if (x.DType == DType.Float32) Kernels.Cpu.Upsample2d.Forward(mode, Ptr<float>(x), planes, h, w, oh, ow, Ptr<float>(y));
        else Kernels.Cpu.Upsample2d.Forward(mode, Ptr<double>(x), planes, h, w, oh, ow, Ptr<double>(y));
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Upsample2dBackward(Tensor dy, UpsampleMode mode, Tensor dx)
    {
        var (planes, h, w, oh, ow) = (Planes(dx), dx.Shape[2], dx.Shape[3], dy.Shape[2], dy.Shape[3]);
        if (dx.DType == DType.Float32) Kernels.Cpu.Upsample2d.Backward(mode, Ptr<float>(dy), planes, h, w, oh, ow, Ptr<float>(dx));
        else Kernels.Cpu.Upsample2d.Backward(mode, Ptr<double>(dy), planes, h, w, oh, ow, Ptr<double>(dx));
        GC.KeepAlive(dy); GC.KeepAlive(dx);
    }

    /// <summary>N·C: the number of planes of an [N, C, H, W] tensor.</summary>
    private static long Planes(Tensor t) => (long)t.Shape[0] * t.Shape[1];
}
