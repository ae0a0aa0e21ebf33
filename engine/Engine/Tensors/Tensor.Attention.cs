namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Scaled dot-product attention with this tensor as the queries: softmax(Q·Kᵀ·scale + mask)·V over the last two
    /// axes, the leading (batch, head) axes broadcast as in <see cref="MatMul"/>. Q is [..., Lq, d], K [..., Lk, d],
    /// V [..., Lk, dv]; the result is [..., Lq, dv]. Without dropout it is one fused backend primitive
    /// (<see cref="Backends.IBackend.AttentionForward"/>: no [Lq, Lk] scores kept) whose gradient recomputes the scores
    /// from the saved row log-sum-exp; with dropout (or a mask that requires grad, or d or dv above the device's limit)
    /// it is composed of MatMul, Where, Softmax and Dropout. Either way it runs and differentiates on every device.
    /// </summary>
    /// <remarks>
    /// Masked positions get the dtype's lowest finite score rather than −∞, so a query whose keys are all masked
    /// averages the values uniformly (as Keras does) instead of turning into NaN; with at least one key left, masked
    /// keys get exactly zero weight. The causal mask lets query i see keys 0..i (aligned at the top left, as
    /// PyTorch's <c>is_causal</c>).
    /// </remarks>
    /// <param name="key">Keys [..., Lk, d], same dtype and device.</param>
    /// <param name="value">Values [..., Lk, dv].</param>
    /// <param name="mask">Optional, broadcastable to [..., Lq, Lk]: bool (true = the query may attend to the key) or a
    /// float mask of this dtype added to the scores.</param>
    /// <param name="causal">Hide the keys after each query's own position.</param>
    /// <param name="scale">The factor on Q·Kᵀ; default 1/√d.</param>
    /// <param name="dropout">Probability of dropping an attention weight (inverted scaling); 0 for none, as at inference.</param>
    /// <param name="generator">The random source of the dropout (default: <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentException">Ranks, feature sizes, key/value lengths, dtypes, devices or the mask's shape
    /// or dtype do not fit; the message names the shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not finite, or <paramref name="dropout"/>
    /// is outside [0, 1].</exception>
    public Tensor ScaledDotProductAttention(Tensor key, Tensor value, Tensor? mask = null, bool causal = false,
        double? scale = null, double dropout = 0, Generator? generator = null)
    {
        const string op = "ScaledDotProductAttention";
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckAttentionOperands(key, value, op);
        double factor = scale ?? 1 / Math.Sqrt(Shape[-1]);
        if (!double.IsFinite(factor))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"{op}: scale must be finite.");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{op}: dropout must be in [0, 1].");

        if (dropout == 0 && TryFusedAttention(key, value, mask, causal, factor, out var fused)) return fused;
        return ComposedAttention(key, value, mask, causal, factor, dropout, generator);
    }

    /// <summary>The attention as MatMul, Where, Softmax, Dropout and MatMul (materialises the scores and their graph).</summary>
    internal Tensor ComposedAttention(Tensor key, Tensor value, Tensor? mask, bool causal, double factor, double dropout, Generator? generator)
    {
        const string op = "ScaledDotProductAttention";
        var scores = MatMul(key.Transpose(-2, -1)) * factor;
        double lowest = DType == DType.Float64 ? double.MinValue : float.MinValue;
        if (causal) scores = Where(CausalMask(Shape[-2], key.Shape[-2], Device), scores, lowest);
        if (mask is not null)
        {
            CheckAttentionMask(mask, scores.Shape, op);
            scores = mask.DType == DType.Bool ? Where(mask, scores, lowest) : scores + mask;
        }
        return scores.Softmax(-1).Dropout(dropout, training: dropout > 0, generator).MatMul(value);
    }

    private void CheckAttentionOperands(Tensor key, Tensor value, string op)
    {
        CheckPair(this, key, op);
        CheckPair(this, value, op);
        RequireFloating(DType, op);
        if (Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: query, key and value need at least two axes ([..., L, d]), got {Shape}, {key.Shape} and {value.Shape}.");
        if (key.Shape[-1] != Shape[-1])
            throw new ArgumentException($"{op}: query {Shape} and key {key.Shape} differ in their feature size (last axis).");
        if (value.Shape[-2] != key.Shape[-2])
            throw new ArgumentException($"{op}: key {key.Shape} and value {value.Shape} differ in length (second-to-last axis).");
    }

    private void CheckAttentionMask(Tensor mask, Shape scores, string op)
    {
        CheckDevice(this, mask, op);
        if (mask.DType != DType.Bool && mask.DType != DType)
            throw new ArgumentException($"{op}: the mask must be bool or {DType.Name()} like the query, got {mask.Describe()}.");
        bool fits = mask.Rank <= scores.Rank;
        for (int i = 1; fits && i <= mask.Rank; i++) fits = mask.Shape[-i] == 1 || mask.Shape[-i] == scores[-i];
        if (!fits)
            throw new ArgumentException($"{op}: mask {mask.Shape} does not broadcast to the scores {scores} ([..., Lq, Lk]).");
    }

    /// <summary>[lq, lk] bool: true where key j ≤ query i.</summary>
    private static Tensor CausalMask(int lq, int lk, Device device)
    {
        var queries = Arange(lq, DType.Int32, device).Unsqueeze(-1);
        return Arange(lk, DType.Int32, device).Le(queries);
    }
}
