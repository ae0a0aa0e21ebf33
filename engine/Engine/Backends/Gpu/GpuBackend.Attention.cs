using Engine.Kernels.Gpu;
using Engine.Tensors;
using ILGPU;

namespace Engine.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <inheritdoc/>
    public int MaxAttentionFeatures => GpuAttention.MaxFeatures;

    /// <inheritdoc/>
    public void AttentionForward(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale, Tensor output, Tensor logSumExp)
    {
        if (output.DType == DType.Float32) AttentionForwardTyped<float>(query, key, value, mask, causal, scale, output, logSumExp);
        else AttentionForwardTyped<double>(query, key, value, mask, causal, scale, output, logSumExp);
    }

    private void AttentionForwardTyped<T>(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale, Tensor output, Tensor logSumExp)
        where T : unmanaged
    {
        query = query.ContiguousView(); key = key.ContiguousView(); value = value.ContiguousView();
        var kind = mask is null ? AttentionMaskKind.None : mask.IsBool ? AttentionMaskKind.Bool : AttentionMaskKind.Additive;
        var layout = mask is null ? new AttentionMaskLayout(1, 0, 0, 0, 0)
            : new AttentionMaskLayout(mask.Heads, mask.OuterStride, mask.HeadStride, mask.RowStride, mask.ColumnStride);
        var boolMask = kind == AttentionMaskKind.Bool ? V<byte>(mask!.Values) : ArrayView<byte>.Empty;
        var additiveMask = kind == AttentionMaskKind.Additive ? V<T>(mask!.Values) : ArrayView<T>.Empty;
        GpuAttention.Forward(Accelerator, query.Shape[0], query.Shape[1], key.Shape[1], query.Shape[2], value.Shape[2],
            E<T>(query), E<T>(key), E<T>(value), kind, boolMask, additiveMask, layout, causal, scale, E<T>(output), E<T>(logSumExp));
    }
}
