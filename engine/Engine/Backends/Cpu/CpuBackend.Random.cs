using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void DropoutMask(Tensor mask, ulong key, double p, double scale)
    {
        if (mask.DType == DType.Float32) BernoulliMask.Fill(Ptr<float>(mask), mask.NumElements, key, p, scale);
        else BernoulliMask.Fill(Ptr<double>(mask), mask.NumElements, key, p, scale);
        GC.KeepAlive(mask);
    }
}
