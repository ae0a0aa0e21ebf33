using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void SgdStep(Tensor param, Tensor grad, Tensor? buffer, SgdUpdate update)
    {
        if (param.DType == DType.Float32)
            OptimizerUpdate.Sgd(Ptr<float>(param), Ptr<float>(grad), OptionalPtr<float>(buffer), param.NumElements, update);
        else
            OptimizerUpdate.Sgd(Ptr<double>(param), Ptr<double>(grad), OptionalPtr<double>(buffer), param.NumElements, update);
        GC.KeepAlive(param); GC.KeepAlive(grad); GC.KeepAlive(buffer);
    }

    /// <inheritdoc/>
    public void AdamStep(Tensor param, Tensor grad, Tensor firstMoment, Tensor secondMoment, Tensor? maxSecondMoment, AdamUpdate update)
    {
        if (param.DType == DType.Float32)
            OptimizerUpdate.Adam(Ptr<float>(param), Ptr<float>(grad), Ptr<float>(firstMoment), Ptr<float>(secondMoment),
                OptionalPtr<float>(maxSecondMoment), param.NumElements, update);
        else
            OptimizerUpdate.Adam(Ptr<double>(param), Ptr<double>(grad), Ptr<double>(firstMoment), Ptr<double>(secondMoment),
                OptionalPtr<double>(maxSecondMoment), param.NumElements, update);
        GC.KeepAlive(param); GC.KeepAlive(grad); GC.KeepAlive(firstMoment); GC.KeepAlive(secondMoment); GC.KeepAlive(maxSecondMoment);
    }

    /// <inheritdoc/>
    public void RmsPropStep(Tensor param, Tensor grad, Tensor squareAverage, Tensor? meanGrad, Tensor? buffer, RmsPropUpdate update)
    {
        if (param.DType == DType.Float32)
            OptimizerUpdate.RmsProp(Ptr<float>(param), Ptr<float>(grad), Ptr<float>(squareAverage), OptionalPtr<float>(meanGrad),
                OptionalPtr<float>(buffer), param.NumElements, update);
        else
            OptimizerUpdate.RmsProp(Ptr<double>(param), Ptr<double>(grad), Ptr<double>(squareAverage), OptionalPtr<double>(meanGrad),
                OptionalPtr<double>(buffer), param.NumElements, update);
        GC.KeepAlive(param); GC.KeepAlive(grad); GC.KeepAlive(squareAverage); GC.KeepAlive(meanGrad); GC.KeepAlive(buffer);
    }

    /// <inheritdoc/>
    public void AdagradStep(Tensor param, Tensor grad, Tensor sum, AdagradUpdate update)
    {
        if (param.DType == DType.Float32)
            OptimizerUpdate.Adagrad(Ptr<float>(param), Ptr<float>(grad), Ptr<float>(sum), param.NumElements, update);
        else
            OptimizerUpdate.Adagrad(Ptr<double>(param), Ptr<double>(grad), Ptr<double>(sum), param.NumElements, update);
        GC.KeepAlive(param); GC.KeepAlive(grad); GC.KeepAlive(sum);
    }

    /// <inheritdoc/>
    public double SumOfSquares(Tensor x)
    {
        double sum = x.DType == DType.Float32
            ? GradientClipping.SumOfSquares(Ptr<float>(x), x.NumElements)
            : GradientClipping.SumOfSquares(Ptr<double>(x), x.NumElements);
        GC.KeepAlive(x);
        return sum;
    }

    /// <inheritdoc/>
    public void ClipByNorm(IReadOnlyList<Tensor> tensors, double limit)
    {
        NormClipArguments.Check(tensors, limit);
        double norm = Math.Sqrt(tensors.Sum(SumOfSquares));
        if (norm <= limit) return;
        foreach (var t in tensors) ScaleInPlace(t, limit / norm);
    }

    /// <inheritdoc/>
    public void ClampInPlace(Tensor x, double min, double max)
    {
        if (x.DType == DType.Float32) GradientClipping.Clamp(Ptr<float>(x), x.NumElements, min, max);
        else GradientClipping.Clamp(Ptr<double>(x), x.NumElements, min, max);
        GC.KeepAlive(x);
    }

    /// <inheritdoc/>
    public void ScaleInPlace(Tensor x, double factor)
    {
        if (x.DType == DType.Float32) GradientClipping.Scale(Ptr<float>(x), x.NumElements, factor);
        else GradientClipping.Scale(Ptr<double>(x), x.NumElements, factor);
        GC.KeepAlive(x);
    }

    private static T* OptionalPtr<T>(Tensor? t) where T : unmanaged => t is null ? null : Ptr<T>(t);
}
