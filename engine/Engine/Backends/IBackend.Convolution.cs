using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y = conv2d(x, w) + bias over contiguous NCHW tensors with the sizes of <paramref name="geometry"/>;
    /// <paramref name="bias"/> is [K] or null. A 1-D convolution is the case of height 1.
    /// </summary>
    void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry);

    /// <summary>y = relu(conv2d(x, w) + bias): <see cref="Conv2d"/> with the ReLU fused into the output pass.</summary>
    void Conv2dRelu(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry geometry);

    /// <summary>
    /// dx = the gradient of conv2d with respect to its input given the output gradient <paramref name="dy"/>;
    /// this is also the transposed convolution of dy. All tensors contiguous; dx is only written.
    /// </summary>
    void Conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry geometry);

    /// <summary>
    /// dw = the gradient of conv2d with respect to its weight, summed over the batch, given the input
    /// <paramref name="x"/> and the output gradient <paramref name="dy"/>. All tensors contiguous; dw is only written.
    /// </summary>
    void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, ConvGeometry geometry);
}
