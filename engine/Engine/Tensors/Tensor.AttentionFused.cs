using Engine.Autodiff;
using Engine.Backends;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Whether CPU attention takes the fused path while recording gradients as well (on this thread). By default it does
    /// not: there the composed path measured 10–20 % faster for forward plus backward (B·H = 8, L = 128, d = 64, 1 thread;
    /// the fused backward recomputes Q·Kᵀ and the exponentials), while the forward alone ran even. GPUs always fuse.
    /// </summary>
    [ThreadStatic] private static bool t_fusedCpuTraining;

    /// <summary>Makes CPU attention fuse while recording gradients too, on this thread, until disposed: for tests of the fused gradient.</summary>
    internal static FusedAttentionScope ForceFusedAttention()
    {
        var scope = new FusedAttentionScope(t_fusedCpuTraining);
        t_fusedCpuTraining = true;
        return scope;
    }

    /// <summary>Restores the thread's previous choice on dispose (see <see cref="ForceFusedAttention"/>).</summary>
    internal readonly struct FusedAttentionScope(bool previous) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => t_fusedCpuTraining = previous;
    }

    /// <summary>
    /// The fused attention when it applies (Lk ≥ 1, d and dv within the device's limit, no mask that requires grad, not
    /// recording gradients on the CPU unless <see cref="ForceFusedAttention"/>):
    /// q, k and v are expanded to their common leading axes, flattened to [B, L, ·] and handed to
    /// <see cref="IBackend.AttentionForward"/>; the graph keeps q, k, v, the output and the row log-sum-exp.
    /// </summary>
    private bool TryFusedAttention(Tensor key, Tensor value, Tensor? mask, bool causal, double factor, out Tensor result)
    {
        result = this;
        int lq = Shape[-2], lk = key.Shape[-2], d = Shape[-1], dv = value.Shape[-1];
        if (lk == 0 || Math.Max(d, dv) > Backend.MaxAttentionFeatures) return false;
        if (mask is not null && mask.RequiresGrad && Autograd.IsGradEnabled) return false;
        bool recording = Autograd.IsGradEnabled && (RequiresGrad || key.RequiresGrad || value.RequiresGrad);
        if (recording && Device.Kind == DeviceKind.Cpu && !t_fusedCpuTraining) return false;
        var scoresLead = Shape.Broadcast(LeadingShape(this), LeadingShape(key), "ScaledDotProductAttention");
        if (mask is not null) CheckAttentionMask(mask, Append(scoresLead, lq, lk), "ScaledDotProductAttention");
        var lead = Shape.Broadcast(scoresLead, LeadingShape(value), "ScaledDotProductAttention");
        var (q, k, v) = (ExpandLeading(this, lead), ExpandLeading(key, lead), ExpandLeading(value, lead));
        int batch = checked((int)lead.NumElements);
        var output = Empty(new Shape(batch, lq, dv), DType, Device);
        var logSumExp = Empty(new Shape(batch, lq), DType, Device);
        using (Autograd.NoGrad())
        {
            var maskView = mask is null ? null : AttentionMaskFor(mask, lead, lq, lk);
            Backend.AttentionForward(q.Contiguous().Reshape(batch, lq, d), k.Contiguous().Reshape(batch, lk, d),
                v.Contiguous().Reshape(batch, lk, dv), maskView, causal, factor, output, logSumExp);
            output = output.Reshape(Append(lead, lq, dv).ToArray());
            logSumExp = logSumExp.Reshape(Append(lead, lq).ToArray());
        }
        result = Autograd.Record(output, "ScaledDotProductAttention", [q, k, v], new AttentionSaved(logSumExp, mask, causal, factor),
            static (n, g) => AttentionGradients(n, g));
        return true;
    }

    /// <summary>
    /// dQ, dK, dV from the saved log-sum-exp: S is recomputed with the forward's masking, P = exp(S − L), renormalised per
    /// row when there is a mask (a fully masked row has L = lowest, so exp(S − L) = 1 there and the renormalisation gives the forward's 1/Lk),
    /// dV = Pᵀ·dO, dS = P∘(dO·Vᵀ − rowsum(dO∘O)), zero where a key is hidden (the composed op's Where passes no
    /// gradient there), dQ = dS·K·scale, dK = dSᵀ·Q·scale.
    /// </summary>
    private static Tensor?[] AttentionGradients(GradNode node, Tensor g)
    {
        var saved = node.State<AttentionSaved>();
        Tensor q = node.Input(0), k = node.Input(1), v = node.Input(2), o = node.Output;
        var visible = saved.Causal ? CausalMask(q.Shape[-2], k.Shape[-2], q.Device) : null;
        var p = (MaskedScores(q, k, saved, visible) - saved.LogSumExp.Unsqueeze(-1)).Exp();
        // Only a mask can hide every key of a row (causal alone keeps key 0), so only then is P renormalised.
        if (saved.Mask is not null) p /= p.Sum(-1, keepDims: true);
        var dS = p * (g.MatMul(v.Transpose(-2, -1)) - (g * o).Sum(-1, keepDims: true));
        if (saved.Mask is { DType: DType.Bool })
        {
            // Causal alone leaves P exactly 0 at hidden keys; a bool mask can hide a whole row, where P is 1/Lk.
            if (visible is not null) dS = Where(visible, dS, 0);
            dS = Where(saved.Mask, dS, 0);
        }
        return
        [
            node.NeedsGrad(0) ? dS.MatMul(k) * saved.Scale : null,
            node.NeedsGrad(1) ? dS.Transpose(-2, -1).MatMul(q) * saved.Scale : null,
            node.NeedsGrad(2) ? p.Transpose(-2, -1).MatMul(g) : null,
        ];
    }

    /// <summary>Q·Kᵀ·scale with the forward's masking: causal and bool masks set the lowest value, an additive mask is added after.</summary>
    private static Tensor MaskedScores(Tensor q, Tensor k, AttentionSaved saved, Tensor? visible)
    {
        // Scaling Q (Lq·d elements) rather than the scores (Lq·Lk) rounds differently by an ulp, which P tolerates.
        var scores = (q * saved.Scale).MatMul(k.Transpose(-2, -1));
        double lowest = q.DType == DType.Float64 ? double.MinValue : float.MinValue;
        if (visible is not null) scores = Where(visible, scores, lowest);
        if (saved.Mask is null) return scores;
        return saved.Mask.DType == DType.Bool ? Where(saved.Mask, scores, lowest) : scores + saved.Mask;
    }

    /// <summary>
    /// The mask as the backend reads it: expanded (a view) to [lead…, Lq, Lk]; the leading axes merge into at most two
    /// strided factors of the flattened batch (so [N, 1, Lq, Lk] or [1, H, Lq, Lk] over [N, H] need no copy), else the
    /// expanded mask is copied contiguous.
    /// </summary>
    private static AttentionMask AttentionMaskFor(Tensor mask, Shape lead, int lq, int lk)
    {
        var full = mask.Expand(Append(lead, lq, lk).ToArray());
        var factors = new List<(long Size, long Stride)>();
        for (int a = 0; a < lead.Rank; a++)
        {
            long size = lead[a], stride = full.Strides[a];
            if (size == 1) continue;
            if (factors.Count > 0 && factors[^1].Stride == stride * size) factors[^1] = (factors[^1].Size * size, stride);
            else factors.Add((size, stride));
        }
        int rank = lead.Rank;
        return factors.Count switch
        {
            0 => new AttentionMask(full, 1, 0, 0, full.Strides[rank], full.Strides[rank + 1]),
            1 => new AttentionMask(full, factors[0].Size, 0, factors[0].Stride, full.Strides[rank], full.Strides[rank + 1]),
            2 => new AttentionMask(full, factors[1].Size, factors[0].Stride, factors[1].Stride, full.Strides[rank], full.Strides[rank + 1]),
            _ => new AttentionMask(full.Contiguous(), 1, (long)lq * lk, 0, lk, 1),
        };
    }

    private static Shape LeadingShape(Tensor t) => new(t.Shape.ToArray()[..^2]);

    private static Shape Append(Shape lead, params int[] tail) => new([.. lead.ToArray(), .. tail]);

    /// <summary>t with its leading axes expanded to <paramref name="lead"/> (itself when they already are).</summary>
    private static Tensor ExpandLeading(Tensor t, Shape lead) =>
        LeadingShape(t).Equals(lead) ? t : t.Expand(Append(lead, t.Shape[-2], t.Shape[-1]).ToArray());

    private sealed record AttentionSaved(Tensor LogSumExp, Tensor? Mask, bool Causal, double Scale);
}
