using Engine.Tensors;

namespace Engine.Backends;

/// <summary>
/// The mask operand of <see cref="IBackend.AttentionForward"/>: the element of (batch b, query i, key j) lies at
/// (b / Heads)·OuterStride + (b % Heads)·HeadStride + i·RowStride + j·ColumnStride elements from
/// <see cref="Values"/>' offset in its storage (0 strides broadcast), so a [batch, 1, Lq, Lk] or [1, heads, Lq, Lk]
/// mask over [batch·heads] needs no copy.
/// </summary>
/// <param name="Values">The mask's storage and offset: bool (true = may attend) or the query's float dtype (added to the scores).</param>
/// <param name="Heads">The inner factor of the batch index (≥ 1).</param>
/// <param name="OuterStride">Elements between consecutive b / Heads.</param>
/// <param name="HeadStride">Elements between consecutive b % Heads.</param>
/// <param name="RowStride">Elements between consecutive queries.</param>
/// <param name="ColumnStride">Elements between consecutive keys.</param>
public sealed record AttentionMask(Tensor Values, long Heads, long OuterStride, long HeadStride, long RowStride, long ColumnStride)
{
    /// <summary>Whether the mask is bool (rather than additive).</summary>
    public bool IsBool => Values.DType == DType.Bool;

    /// <summary>The element offset of (batch, query, key) from <see cref="Values"/>' offset.</summary>
    /// <param name="batch">The flattened batch index.</param>
    /// <param name="query">The query index.</param>
    /// <param name="key">The key index.</param>
    public long Offset(long batch, long query, long key) =>
        batch / Heads * OuterStride + batch % Heads * HeadStride + query * RowStride + key * ColumnStride;
}

public partial interface IBackend
{
    /// <summary>The largest feature size (d and dv) <see cref="AttentionForward"/> takes on this device.</summary>
    int MaxAttentionFeatures { get; }

    /// <summary>
    /// Fused attention forward: for Q [B, Lq, d], K [B, Lk, d], V [B, Lk, dv] (contiguous, Lk ≥ 1) the scores
    /// s = Q·Kᵀ·scale, where the causal mask (key j &gt; query i) and a bool mask's false entries set the dtype's lowest
    /// finite value and an additive mask is added after; writes O = softmax(s)·V [B, Lq, dv] and the row log-sum-exp
    /// L = log Σ_j exp(s_ij) [B, Lq]. A fully masked row averages V uniformly, as the composed op does.
    /// </summary>
    void AttentionForward(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale, Tensor output, Tensor logSumExp);
}
