using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public void DropoutMask(Tensor mask, ulong key, double p, double scale)
    {
        if (mask.DType == DType.Float32) GpuBernoulliMask.Fill(Accelerator, E<float>(mask), key, p, scale);
        else GpuBernoulliMask.Fill(Accelerator, E<double>(mask), key, p, scale);
    }
}
