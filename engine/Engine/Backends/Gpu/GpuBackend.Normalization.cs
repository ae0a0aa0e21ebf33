using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public void BatchNormStatistics(Tensor x, Tensor mean, Tensor variance)
    {
        x = x.ContiguousView();
        var (outer, channels, inner) = OperandLayout.Split3(x.Shape, 1, 1);
        if (x.DType == DType.Float32) GpuNormalization.BatchNormStatistics(Accelerator, outer, channels, inner, E<float>(x), E<float>(mean), E<float>(variance));
        else GpuNormalization.BatchNormStatistics(Accelerator, outer, channels, inner, E<double>(x), E<double>(mean), E<double>(variance));
    }

    /// <inheritdoc/>
    public void BatchNormForward(Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps, Tensor y)
    {
        x = x.ContiguousView();
        var (outer, channels, inner) = OperandLayout.Split3(x.Shape, 1, 1);
        if (x.DType == DType.Float32)
            GpuNormalization.BatchNormForward(Accelerator, outer, channels, inner, E<float>(x), E<float>(mean), E<float>(variance),
                OrEmpty<float>(weight), OrEmpty<float>(bias), eps, E<float>(y));
        else
            GpuNormalization.BatchNormForward(Accelerator, outer, channels, inner, E<double>(x), E<double>(mean), E<double>(variance),
                OrEmpty<double>(weight), OrEmpty<double>(bias), eps, E<double>(y));
    }

    /// <inheritdoc/>
    public void BatchNormBackward(Tensor x, Tensor dy, Tensor mean, Tensor variance, Tensor? weight, double eps, bool training,
        Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        x = x.ContiguousView();
        dy = dy.ContiguousView();
        var (outer, channels, inner) = OperandLayout.Split3(x.Shape, 1, 1);
        if (x.DType == DType.Float32)
            GpuNormalization.BatchNormBackward(Accelerator, outer, channels, inner, E<float>(x), E<float>(dy), E<float>(mean), E<float>(variance),
                OrEmpty<float>(weight), eps, training, OrEmpty<float>(dx), OrEmpty<float>(dWeight), OrEmpty<float>(dBias));
        else
            GpuNormalization.BatchNormBackward(Accelerator, outer, channels, inner, E<double>(x), E<double>(dy), E<double>(mean), E<double>(variance),
                OrEmpty<double>(weight), eps, training, OrEmpty<double>(dx), OrEmpty<double>(dWeight), OrEmpty<double>(dBias));
    }

    /// <inheritdoc/>
    public void LayerNormForward(Tensor x, long rowLength, Tensor? weight, Tensor? bias, double eps, Tensor y, Tensor mean, Tensor invStd)
    {
        x = x.ContiguousView();
        long rows = rowLength == 0 ? 0 : x.NumElements / rowLength;
        if (x.DType == DType.Float32)
            GpuNormalization.LayerNormForward(Accelerator, rows, rowLength, E<float>(x), OrEmpty<float>(weight), OrEmpty<float>(bias), eps,
                E<float>(y), E<float>(mean), E<float>(invStd));
        else
            GpuNormalization.LayerNormForward(Accelerator, rows, rowLength, E<double>(x), OrEmpty<double>(weight), OrEmpty<double>(bias), eps,
                E<double>(y), E<double>(mean), E<double>(invStd));
    }

    /// <inheritdoc/>
    public void LayerNormBackward(Tensor x, Tensor dy, long rowLength, Tensor mean, Tensor invStd, Tensor? weight,
        Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        x = x.ContiguousView();
        dy = dy.ContiguousView();
        long rows = rowLength == 0 ? 0 : x.NumElements / rowLength;
        if (x.DType == DType.Float32)
            GpuNormalization.LayerNormBackward(Accelerator, rows, rowLength, E<float>(x), E<float>(dy), E<float>(mean), E<float>(invStd),
                OrEmpty<float>(weight), OrEmpty<float>(dx), OrEmpty<float>(dWeight), OrEmpty<float>(dBias));
        else
            GpuNormalization.LayerNormBackward(Accelerator, rows, rowLength, E<double>(x), E<double>(dy), E<double>(mean), E<double>(invStd),
                OrEmpty<double>(weight), OrEmpty<double>(dx), OrEmpty<double>(dWeight), OrEmpty<double>(dBias));
    }
}
