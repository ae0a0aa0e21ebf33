using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public void MaxPool2d(Tensor x, PoolGeometry geometry, Tensor y, Tensor argmax)
    {
        if (x.DType == DType.Float32) GpuPooling.MaxPool2d(Accelerator, geometry, Planes(x), E<float>(x), E<float>(y), E<int>(argmax));
        else GpuPooling.MaxPool2d(Accelerator, geometry, Planes(x), E<double>(x), E<double>(y), E<int>(argmax));
    }

    /// <inheritdoc/>
    public void MaxPool2dBackward(Tensor dy, Tensor argmax, PoolGeometry geometry, Tensor dx)
    {
        if (dx.DType == DType.Float32) GpuPooling.MaxPool2dBackward(Accelerator, geometry, Planes(dx), E<float>(dy), E<int>(argmax), E<float>(dx));
        else GpuPooling.MaxPool2dBackward(Accelerator, geometry, Planes(dx), E<double>(dy), E<int>(argmax), E<double>(dx));
    }

    /// <inheritdoc/>
    public void AvgPool2d(Tensor x, PoolGeometry geometry, bool countIncludePad, Tensor y)
    {
        if (x.DType == DType.Float32) GpuPooling.AvgPool2d(Accelerator, geometry, Planes(x), countIncludePad, E<float>(x), E<float>(y));
        else GpuPooling.AvgPool2d(Accelerator, geometry, Planes(x), countIncludePad, E<double>(x), E<double>(y));
    }

    /// <inheritdoc/>
    public void AvgPool2dBackward(Tensor dy, PoolGeometry geometry, bool countIncludePad, Tensor dx)
    {
        if (dx.DType == DType.Float32) GpuPooling.AvgPool2dBackward(Accelerator, geometry, Planes(dx), countIncludePad, E<float>(dy), E<float>(dx));
        else GpuPooling.AvgPool2dBackward(Accelerator, geometry, Planes(dx), countIncludePad, E<double>(dy), E<double>(dx));
    }

    /// <inheritdoc/>
    public void Upsample2d(Tensor x, UpsampleMode mode, Tensor y)
    {
        var (planes, h, w, oh, ow) = (Planes(x), x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3]);
        if (x.DType == DType.Float32) GpuPooling.Upsample2d(Accelerator, mode, planes, h, w, oh, ow, E<float>(x), E<float>(y));
        else GpuPooling.Upsample2d(Accelerator, mode, planes, h, w, oh, ow, E<double>(x), E<double>(y));
    }

    /// <inheritdoc/>
    public void Upsample2dBackward(Tensor dy, UpsampleMode mode, Tensor dx)
    {
        var (planes, h, w, oh, ow) = (Planes(dx), dx.Shape[2], dx.Shape[3], dy.Shape[2], dy.Shape[3]);
        if (dx.DType == DType.Float32) GpuPooling.Upsample2dBackward(Accelerator, mode, planes, h, w, oh, ow, E<float>(dy), E<float>(dx));
        else GpuPooling.Upsample2dBackward(Accelerator, mode, planes, h, w, oh, ow, E<double>(dy), E<double>(dx));
    }

    /// <summary>N·C: the number of planes of an [N, C, H, W] tensor.</summary>
    private static long Planes(Tensor t) => (long)t.Shape[0] * t.Shape[1];
}
