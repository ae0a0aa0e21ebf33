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
    /// Per batch item, the composed op's steps on one reused [Lq, Lk] scratch: the GEMM Q·Kᵀ with the scale as its
    /// alpha (one rounding of the product, as the composed op's separate multiply for d within one GEMM depth block),
    /// the masks, the row softmax in place with the Softmax kernel, then the GEMM P·V; L = max − log P[argmax], since P
    /// at the row's maximum is exactly 1/Σ exp(s − max).
    /// </summary>
    private static void AttentionForwardTyped<T>(Tensor query, Tensor key, Tensor value, AttentionMask? mask, bool causal, double scale,
        Tensor output, Tensor logSumExp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        query = query.ContiguousView(); key = key.ContiguousView(); value = value.ContiguousView();
        int batch = query.Shape[0], lq = query.Shape[1], lk = key.Shape[1], d = query.Shape[2], dv = value.Shape[2];
        if (batch == 0 || lq == 0) return;
        var scratch = new T[(long)lq * lk];
        var argmax = new int[lq];
        fixed (T* scores = scratch)
        fixed (int* at = argmax)
        {
            T* q = Ptr<T>(query), k = Ptr<T>(key), v = Ptr<T>(value), o = Ptr<T>(output), lse = Ptr<T>(logSumExp);
            for (int b = 0; b < batch; b++)
            {
                Gemm.Run(lq, lk, d, T.CreateTruncating(scale), q + (long)b * lq * d, d, 1, k + (long)b * lk * d, 1, d, T.Zero, scores, lk);
                if (causal) HideFutureKeys(scores, lq, lk);
                if (mask is not null) ApplyMask(scores, b, lq, lk, mask);
                RowSoftmax(scores, lq, lk, at, lse + (long)b * lq);
                if (dv > 0) Gemm.Run(lq, dv, lk, T.One, scores, lk, 1, v + (long)b * lk * dv, dv, 1, T.Zero, o + (long)b * lq * dv, dv);
            }
        }
    }

    private static T Lowest<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? float.MinValue : double.MinValue);

    /// <summary>The lowest value at key j &gt; query i.</summary>
    private static void HideFutureKeys<T>(T* scores, int lq, int lk) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lowest = Lowest<T>();
        for (int i = 0; i + 1 < lk && i < lq; i++) new Span<T>(scores + (long)i * lk + i + 1, lk - i - 1).Fill(lowest);
    }

    /// <summary>A bool mask's false entries set the lowest value; an additive mask is added.</summary>
    private static void ApplyMask<T>(T* scores, int b, int lq, int lk, AttentionMask mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lowest = Lowest<T>();
        long column = mask.ColumnStride;
        for (int i = 0; i < lq; i++)
        {
            T* row = scores + (long)i * lk;
            long start = mask.Offset(b, i, 0);
            if (mask.IsBool)
            {
                byte* allowed = Ptr<byte>(mask.Values) + start;
                for (int j = 0; j < lk; j++) if (allowed[j * column] == 0) row[j] = lowest;
            }
            else
            {
                T* added = Ptr<T>(mask.Values) + start;
                for (int j = 0; j < lk; j++) row[j] += added[j * column];
            }
        }
    }

    /// <summary>Softmax of each row in place with the Softmax kernel, and each row's log-sum-exp.</summary>
    private static void RowSoftmax<T>(T* scores, int lq, int lk, int* argmax, T* lse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels.Cpu.ArgReduce.Apply(ArgReduceOp.ArgMax, scores, lq, lk, 1, argmax);
        for (int i = 0; i < lq; i++) lse[i] = scores[(long)i * lk + argmax[i]];
        Kernels.Cpu.Softmax.Apply(scores, lq, lk, 1, scores, log: false);
        for (int i = 0; i < lq; i++) lse[i] -= T.Log(scores[(long)i * lk + argmax[i]]);
    }
}
