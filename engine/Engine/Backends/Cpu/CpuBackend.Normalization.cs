using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void BatchNormStatistics(Tensor x, Tensor mean, Tensor variance)
    {
        x = x.ContiguousView();
        var (outer, channels, inner) = ChannelLayout(x);
        if (x.DType == DType.Float32)
            BatchNorm.Statistics(Ptr<float>(x), outer, channels, inner, Ptr<float>(mean), Ptr<float>(variance));
        else
            BatchNorm.Statistics(Ptr<double>(x), outer, channels, inner, Ptr<double>(mean), Ptr<double>(variance));
        GC.KeepAlive(x); GC.KeepAlive(mean); GC.KeepAlive(variance);
    }

    /// <inheritdoc/>
    public void BatchNormForward(Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps, Tensor y)
    {
        if (x.DType == DType.Float32) BatchNormForwardTyped<float>(x, mean, variance, weight, bias, eps, y);
        else BatchNormForwardTyped<double>(x, mean, variance, weight, bias, eps, y);
    }

    /// <inheritdoc/>
    public void BatchNormBackward(Tensor x, Tensor dy, Tensor mean, Tensor variance, Tensor? weight, double eps, bool training,
        Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        if (x.DType == DType.Float32) BatchNormBackwardTyped<float>(x, dy, mean, variance, weight, eps, training, dx, dWeight, dBias);
        else BatchNormBackwardTyped<double>(x, dy, mean, variance, weight, eps, training, dx, dWeight, dBias);
    }

    /// <inheritdoc/>
    public void LayerNormForward(Tensor x, long rowLength, Tensor? weight, Tensor? bias, double eps, Tensor y, Tensor mean, Tensor invStd)
    {
        if (x.DType == DType.Float32) LayerNormForwardTyped<float>(x, rowLength, weight, bias, eps, y, mean, invStd);
        else LayerNormForwardTyped<double>(x, rowLength, weight, bias, eps, y, mean, invStd);
    }

    /// <inheritdoc/>
    public void LayerNormBackward(Tensor x, Tensor dy, long rowLength, Tensor mean, Tensor invStd, Tensor? weight,
        Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        if (x.DType == DType.Float32) LayerNormBackwardTyped<float>(x, dy, rowLength, mean, invStd, weight, dx, dWeight, dBias);
        else LayerNormBackwardTyped<double>(x, dy, rowLength, mean, invStd, weight, dx, dWeight, dBias);
    }

    private static void BatchNormForwardTyped<T>(Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps, Tensor y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        x = x.ContiguousView(); mean = mean.ContiguousView(); variance = variance.ContiguousView();
        weight = weight?.ContiguousView(); bias = bias?.ContiguousView();
        var (outer, channels, inner) = ChannelLayout(x);
        BatchNorm.Forward(Ptr<T>(x), outer, channels, inner, Ptr<T>(mean), Ptr<T>(variance), OrNull<T>(weight), OrNull<T>(bias), eps, Ptr<T>(y));
        GC.KeepAlive(x); GC.KeepAlive(mean); GC.KeepAlive(variance); GC.KeepAlive(weight); GC.KeepAlive(bias); GC.KeepAlive(y);
    }

    private static void BatchNormBackwardTyped<T>(Tensor x, Tensor dy, Tensor mean, Tensor variance, Tensor? weight, double eps, bool training,
        Tensor? dx, Tensor? dWeight, Tensor? dBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        x = x.ContiguousView(); dy = dy.ContiguousView(); mean = mean.ContiguousView(); variance = variance.ContiguousView();
        weight = weight?.ContiguousView();
        var (outer, channels, inner) = ChannelLayout(x);
        BatchNorm.Backward(Ptr<T>(x), Ptr<T>(dy), outer, channels, inner, Ptr<T>(mean), Ptr<T>(variance), OrNull<T>(weight), eps, training,
            OrNull<T>(dx), OrNull<T>(dWeight), OrNull<T>(dBias));
        GC.KeepAlive(x); GC.KeepAlive(dy); GC.KeepAlive(mean); GC.KeepAlive(variance); GC.KeepAlive(weight);
        GC.KeepAlive(dx); GC.KeepAlive(dWeight); GC.KeepAlive(dBias);
    }

    private static void LayerNormForwardTyped<T>(Tensor x, long rowLength, Tensor? weight, Tensor? bias, double eps, Tensor y, Tensor mean, Tensor invStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        x = x.ContiguousView(); weight = weight?.ContiguousView(); bias = bias?.ContiguousView();
        long rows = rowLength == 0 ? 0 : x.NumElements / rowLength;
        LayerNorm.Forward(Ptr<T>(x), rows, rowLength, OrNull<T>(weight), OrNull<T>(bias), eps, Ptr<T>(y), Ptr<T>(mean), Ptr<T>(invStd));
        GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias); GC.KeepAlive(y); GC.KeepAlive(mean); GC.KeepAlive(invStd);
    }

    private static void LayerNormBackwardTyped<T>(Tensor x, Tensor dy, long rowLength, Tensor mean, Tensor invStd, Tensor? weight,
        Tensor? dx, Tensor? dWeight, Tensor? dBias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        x = x.ContiguousView(); dy = dy.ContiguousView(); mean = mean.ContiguousView(); invStd = invStd.ContiguousView();
        weight = weight?.ContiguousView();
        long rows = rowLength == 0 ? 0 : x.NumElements / rowLength;
        LayerNorm.Backward(Ptr<T>(x), Ptr<T>(dy), rows, rowLength, Ptr<T>(mean), Ptr<T>(invStd), OrNull<T>(weight),
            OrNull<T>(dx), OrNull<T>(dWeight), OrNull<T>(dBias));
        GC.KeepAlive(x); GC.KeepAlive(dy); GC.KeepAlive(mean); GC.KeepAlive(invStd); GC.KeepAlive(weight);
        GC.KeepAlive(dx); GC.KeepAlive(dWeight); GC.KeepAlive(dBias);
    }

    /// <summary>[N, C, rest…] as (N, C, product of rest).</summary>
    private static (long Outer, long Channels, long Inner) ChannelLayout(Tensor x) => OperandLayout.Split3(x.Shape, 1, 1);

    private static T* OrNull<T>(Tensor? t) where T : unmanaged => t is null ? null : Ptr<T>(t);
}
