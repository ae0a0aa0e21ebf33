using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public int MaxAttentionFeatures => int.MaxValue;

    /// <inheritdoc/>
    public void AttentionForward(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale, Tensor output, Tensor logSumExp)
    {
        if (output.DType == DType.Float32) AttentionForwardTyped<float>(query, key, value, mask, causal, scale, output, logSumExp);
        else AttentionForwardTyped<double>(query, key, value, mask, causal, scale, output, logSumExp);
        GC.KeepAlive(query); GC.KeepAlive(key); GC.KeepAlive(value); GC.KeepAlive(mask?.Values); GC.KeepAlive(output); GC.KeepAlive(logSumExp);
    }

    /// <summary>
    /// Per batch item, the composed op's steps on one reused [Lq, Lk] scratch: the GEMM Q·Kᵀ, then ·scale, the masks
    /// and the row softmax in place (the same kernels and roundings as MatMul, the scalar multiply, Where and Softmax),
    /// then the GEMM P·V; L = max − log P[argmax], since P at the row's maximum is exactly 1/Σ exp(s − max).
    /// </summary>
    private static void AttentionForwardTyped<T>(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale,
        Tensor output, Tensor logSumExp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        query = query.ContiguousView(); key = key.ContiguousView(); value = value.ContiguousView();
        int batch = query.Shape[0], lq = query.Shape[1], lk = key.Shape[1], d = query.Shape[2], dv = value.Shape[2];
        if (batch == 0 || lq == 0) return;
        var scratch = new T[(long)lq * lk];
        fixed (T* scores = scratch)
        {
            T* q = Ptr<T>(query), k = Ptr<T>(key), v = Ptr<T>(value), o = Ptr<T>(output), lse = Ptr<T>(logSumExp);
            for (int b = 0; b < batch; b++)
            {
                Gemm.Run(lq, lk, d, T.One, q + (long)b * lq * d, d, 1, k + (long)b * lk * d, 1, d, T.Zero, scores, lk);
                MaskScores(scores, b, lq, lk, T.CreateTruncating(scale), causal, mask);
                RowSoftmax(scores, lq, lk, lse + (long)b * lq);
                if (dv > 0) Gemm.Run(lq, dv, lk, T.One, scores, lk, 1, v + (long)b * lk * dv, dv, 1, T.Zero, o + (long)b * lq * dv, dv);
            }
        }
    }

    /// <summary>s·scale, then the lowest value where the causal mask or a bool mask hides the key, then + an additive mask.</summary>
    private static void MaskScores<T>(T* scores, int b, int lq, int lk, T scale, bool causal, AttentionMask? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lowest = T.CreateTruncating(typeof(T) == typeof(float) ? float.MinValue : double.MinValue);
        byte* hidden = mask is { IsBool: true } ? Ptr<byte>(mask.Values) : null;
        T* added = mask is { IsBool: false } ? Ptr<T>(mask.Values) : null;
        for (int i = 0; i < lq; i++)
        {
            T* row = scores + (long)i * lk;
            for (int j = 0; j < lk; j++)
            {
                T s = row[j] * scale;
                if (causal && j > i) s = lowest;
                if (hidden != null && hidden[mask!.Offset(b, i, j)] == 0) s = lowest;
                if (added != null) s += added[mask!.Offset(b, i, j)];
                row[j] = s;
            }
        }
    }

    /// <summary>Softmax of each row in place with the Softmax kernel, and each row's log-sum-exp.</summary>
    private static void RowSoftmax<T>(T* scores, int lq, int lk, T* lse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var maxima = new (T Max, int At)[lq];
        for (int i = 0; i < lq; i++) maxima[i] = RowMax(scores + (long)i * lk, lk);
        Kernels.Cpu.Softmax.Apply(scores, lq, lk, 1, scores, log: false);
        for (int i = 0; i < lq; i++)
            lse[i] = maxima[i].Max - T.Log(scores[(long)i * lk + maxima[i].At]);
    }

    private static (T Max, int At) RowMax<T>(T* row, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int at = 0;
        for (int j = 1; j < length; j++)
            if (row[j] > row[at]) at = j;
        return (row[at], at);
    }
}
