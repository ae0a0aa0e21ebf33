using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Max pooling of the contiguous [N, C, H, W] <paramref name="x"/> into y [N, C, OH, OW], with the Int32
    /// flat index h·W + w of each winner (within its plane) in <paramref name="argmax"/>; ties go to the first
    /// maximum in row-major window order.
    /// </summary>
    void MaxPool2d(Tensor x, PoolGeometry geometry, Tensor y, Tensor argmax);

    /// <summary>dx [N, C, H, W] = 0, then dx[plane, argmax] += dy for every output cell (contiguous tensors).</summary>
    void MaxPool2dBackward(Tensor dy, Tensor argmax, PoolGeometry geometry, Tensor dx);

    /// <summary>Average pooling of the contiguous [N, C, H, W] <paramref name="x"/> into y [N, C, OH, OW].</summary>
    void AvgPool2d(Tensor x, PoolGeometry geometry, bool countIncludePad, Tensor y);

    /// <summary>The adjoint of <see cref="AvgPool2d"/>: dx [N, C, H, W] from the contiguous dy [N, C, OH, OW].</summary>
    void AvgPool2dBackward(Tensor dy, PoolGeometry geometry, bool countIncludePad, Tensor dx);

    /// <summary>Upsamples the contiguous [N, C, H, W] <paramref name="x"/> to y [N, C, OH, OW] (sizes from the shapes).</summary>
    void Upsample2d(Tensor x, UpsampleMode mode, Tensor y);

    /// <summary>The adjoint of <see cref="Upsample2d"/>: dx [N, C, H, W] from the contiguous dy [N, C, OH, OW].</summary>
    void Upsample2dBackward(Tensor dy, UpsampleMode mode, Tensor dx);
}
