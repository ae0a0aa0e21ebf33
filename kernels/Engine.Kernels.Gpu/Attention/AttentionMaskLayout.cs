namespace Engine.Kernels.Gpu;

/// <summary>What kind of mask an attention launch reads.</summary>
public enum AttentionMaskKind
{
    /// <summary>No mask.</summary>
    None = 0,
    /// <summary>Bytes: non-zero where the query may attend to the key, zero where the score becomes the lowest finite value.</summary>
    Bool = 1,
    /// <summary>Values of the element type added to the scaled scores.</summary>
    Additive = 2,
}

/// <summary>
/// Where the mask element of (batch b, query i, key j) lies: b splits into (b / <see cref="Heads"/>, b % Heads), so a
/// mask broadcast over [batch, heads, Lq, Lk] with any of those axes of size 1 (stride 0) needs no copy; the offset is
/// (b / Heads)·OuterStride + (b % Heads)·HeadStride + i·RowStride + j·ColumnStride.
/// </summary>
/// <param name="Heads">The inner factor of the batch index (≥ 1).</param>
/// <param name="OuterStride">Elements between consecutive outer batch indices (0: broadcast).</param>
/// <param name="HeadStride">Elements between consecutive inner batch indices (0: broadcast).</param>
/// <param name="RowStride">Elements between consecutive queries (0: broadcast).</param>
/// <param name="ColumnStride">Elements between consecutive keys (0: broadcast).</param>
public readonly record struct AttentionMaskLayout(long Heads, long OuterStride, long HeadStride, long RowStride, long ColumnStride)
{
    /// <summary>The offset of the mask element of (batch, query, key).</summary>
    /// <param name="batch">The flattened batch index.</param>
    /// <param name="query">The query index.</param>
    /// <param name="key">The key index.</param>
    public long Offset(long batch, long query, long key) =>
        batch / Heads * OuterStride + batch % Heads * HeadStride + query * RowStride + key * ColumnStride;

    /// <summary>The largest offset a problem of these sizes reads (all sizes ≥ 1), to check the view's length.</summary>
    /// <param name="batch">The flattened batch count.</param>
    /// <param name="queries">Lq.</param>
    /// <param name="keys">Lk.</param>
    public long LastOffset(long batch, long queries, long keys)
    {
        long outer = (batch - 1) / Heads, head = Math.Min(batch, Heads) - 1;
        return outer * OuterStride + head * HeadStride + (queries - 1) * RowStride + (keys - 1) * ColumnStride;
    }
}
