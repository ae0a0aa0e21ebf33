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
        var problem = new AttentionItems<T>(Ptr<T>(query), Ptr<T>(key), Ptr<T>(value), Ptr<T>(output), Ptr<T>(logSumExp),
            query.Shape[1], key.Shape[1], query.Shape[2], value.Shape[2], T.CreateTruncating(scale), causal, mask);
        int batch = query.Shape[0];
        if (batch == 0 || problem.Lq == 0) return;
        // Like the batched GEMM: several items at once on the kernel threads, each range with its own scratch.
        if (KernelThreads.Count > 1 && batch > 1) KernelThreads.ForRange(batch, 1, (start, end) => RunAttentionItems(problem, start, end));
        else RunAttentionItems(problem, 0, batch);
        GC.KeepAlive(query); GC.KeepAlive(key); GC.KeepAlive(value);
    }

    /// <summary>The operands and sizes of one attention forward, for the item loop.</summary>
    private readonly struct AttentionItems<T>(T* q, T* k, T* v, T* o, T* lse, int lq, int lk, int d, int dv, T scale, bool causal,
        AttentionMask? mask) where T : unmanaged
    {
        public readonly T* Q = q, K = k, V = v, O = o, Lse = lse;
        public readonly int Lq = lq, Lk = lk, D = d, Dv = dv;
        public readonly T Scale = scale;
        public readonly bool Causal = causal;
        public readonly AttentionMask? Mask = mask;
    }

    private static void RunAttentionItems<T>(AttentionItems<T> p, long start, long end) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scratch = new T[(long)p.Lq * p.Lk];
        var argmax = new int[p.Lq];
        fixed (T* scores = scratch)
        fixed (int* at = argmax)
        {
            for (long b = start; b < end; b++)
            {
                Gemm.Run(p.Lq, p.Lk, p.D, p.Scale, p.Q + b * p.Lq * p.D, p.D, 1, p.K + b * p.Lk * p.D, 1, p.D, T.Zero, scores, p.Lk);
                if (p.Causal) HideFutureKeys(scores, p.Lq, p.Lk);
                if (p.Mask is not null) ApplyMask(scores, b, p.Lq, p.Lk, p.Mask);
                RowSoftmax(scores, p.Lq, p.Lk, at, p.Lse + b * p.Lq);
                if (p.Dv > 0)
                    Gemm.Run(p.Lq, p.Dv, p.Lk, T.One, scores, p.Lk, 1, p.V + b * p.Lk * p.Dv, p.Dv, 1, T.Zero, p.O + b * p.Lq * p.Dv, p.Dv);
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
    private static void ApplyMask<T>(T* scores, long b, int lq, int lk, AttentionMask mask) where T : unmanaged, IFloatingPointIeee754<T>
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
