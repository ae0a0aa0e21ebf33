using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public void SgdStep(Tensor param, Tensor grad, Tensor? buffer, SgdUpdate update)
    {
        if (param.DType == DType.Float32) GpuOptimizers.SgdStep(Accelerator, E<float>(param), E<float>(grad), OrEmpty<float>(buffer), update);
        else GpuOptimizers.SgdStep(Accelerator, E<double>(param), E<double>(grad), OrEmpty<double>(buffer), update);
    }

    /// <inheritdoc/>
    public void AdamStep(Tensor param, Tensor grad, Tensor firstMoment, Tensor secondMoment, Tensor? maxSecondMoment, AdamUpdate update)
    {
        if (param.DType == DType.Float32)
            GpuOptimizers.AdamStep(Accelerator, E<float>(param), E<float>(grad), E<float>(firstMoment), E<float>(secondMoment), OrEmpty<float>(maxSecondMoment), update);
        else
            GpuOptimizers.AdamStep(Accelerator, E<double>(param), E<double>(grad), E<double>(firstMoment), E<double>(secondMoment), OrEmpty<double>(maxSecondMoment), update);
    }

    /// <inheritdoc/>
    public void RmsPropStep(Tensor param, Tensor grad, Tensor squareAverage, Tensor? meanGrad, Tensor? buffer, RmsPropUpdate update)
    {
        if (param.DType == DType.Float32)
            GpuOptimizers.RmsPropStep(Accelerator, E<float>(param), E<float>(grad), E<float>(squareAverage), OrEmpty<float>(meanGrad), OrEmpty<float>(buffer), update);
        else
            GpuOptimizers.RmsPropStep(Accelerator, E<double>(param), E<double>(grad), E<double>(squareAverage), OrEmpty<double>(meanGrad), OrEmpty<double>(buffer), update);
    }

    /// <inheritdoc/>
    public void AdagradStep(Tensor param, Tensor grad, Tensor sum, AdagradUpdate update)
    {
        if (param.DType == DType.Float32) GpuOptimizers.AdagradStep(Accelerator, E<float>(param), E<float>(grad), E<float>(sum), update);
        else GpuOptimizers.AdagradStep(Accelerator, E<double>(param), E<double>(grad), E<double>(sum), update);
    }

    /// <inheritdoc/>
    /// <remarks>A read from the device (it waits for the queue), counted in <see cref="DeviceToHostReads"/>.</remarks>
    public double SumOfSquares(Tensor x)
    {
        if (x.NumElements == 0) return 0;
        Interlocked.Increment(ref _deviceToHostReads);
        Interlocked.Increment(ref _hostSynchronizations);
        return x.DType == DType.Float32 ? GpuOptimizers.SumOfSquares(Accelerator, E<float>(x)) : GpuOptimizers.SumOfSquares(Accelerator, E<double>(x));
    }

    /// <inheritdoc/>
    public void ClipByNorm(IReadOnlyList<Tensor> tensors, double limit)
    {
        NormClipArguments.Check(tensors, limit);
        long count = tensors.Sum(t => (long)GpuNormClipping.PartialCount(t.NumElements));
        // Back to the pool with the kernels queued: reuse is stream-ordered.
        using var block = Pool.Rent((count + 1) * sizeof(double));
        var partials = block.View<double>().SubView(0, count);
        var factor = block.View<double>().SubView(count, 1);
        long at = 0;
        foreach (var t in tensors)
        {
            int n = GpuNormClipping.PartialCount(t.NumElements);
            if (t.DType == DType.Float32) GpuNormClipping.AddSumOfSquares(Accelerator, E<float>(t), partials.SubView(at, n));
            else GpuNormClipping.AddSumOfSquares(Accelerator, E<double>(t), partials.SubView(at, n));
            at += n;
        }
        GpuNormClipping.Factor(Accelerator, partials, limit, factor);
        foreach (var t in tensors)
        {
            if (t.DType == DType.Float32) GpuNormClipping.Scale(Accelerator, E<float>(t), factor);
            else GpuNormClipping.Scale(Accelerator, E<double>(t), factor);
        }
    }

    /// <inheritdoc/>
    public void ClampInPlace(Tensor x, double min, double max)
    {
        if (x.DType == DType.Float32) GpuOptimizers.ClampInPlace(Accelerator, E<float>(x), min, max);
        else GpuOptimizers.ClampInPlace(Accelerator, E<double>(x), min, max);
    }

    /// <inheritdoc/>
    public void ScaleInPlace(Tensor x, double factor)
    {
        if (x.DType == DType.Float32) GpuOptimizers.ScaleInPlace(Accelerator, E<float>(x), factor);
        else GpuOptimizers.ScaleInPlace(Accelerator, E<double>(x), factor);
    }
}
