using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>The sizes, mask layout and flags of one attention launch, as a kernel parameter.</summary>
internal readonly struct AttentionProblem(long batch, long queries, long keys, int features, int valueFeatures,
    AttentionMaskKind maskKind, AttentionMaskLayout mask, bool causal)
{
    public readonly long Batch = batch, Queries = queries, Keys = keys;
    public readonly int Features = features, ValueFeatures = valueFeatures;
    public readonly int MaskKind = (int)maskKind;
    public readonly long Heads = mask.Heads, MaskOuter = mask.OuterStride, MaskHead = mask.HeadStride, MaskRow = mask.RowStride, MaskColumn = mask.ColumnStride;
    // An int, not a bool: kernel parameters must be blittable.
    public readonly int Causal = causal ? 1 : 0;

    /// <summary>Query blocks per batch item.</summary>
    public long QueryBlocks => (Queries + AttentionTile.Block - 1) / AttentionTile.Block;

    /// <summary>Groups of work in all: one per (batch, query block).</summary>
    public long Tiles => Batch * QueryBlocks;

    /// <summary>The mask offset of (batch, query, key).</summary>
    public long MaskOffset(long b, long i, long j) => b / Heads * MaskOuter + b % Heads * MaskHead + i * MaskRow + j * MaskColumn;

    /// <summary>
    /// The end of the keys a query block must visit: with only the causal mask, keys after the block's last query score
    /// the lowest value while every row keeps key 0 with a finite score, so they add exactly 0 and are skipped. With
    /// another mask a row may be fully masked and then averages all Lk keys, so every key is visited.
    /// </summary>
    public long KeyEnd(long q0) => Causal != 0 && MaskKind == 0 ? Math.Min(Keys, q0 + AttentionTile.Block) : Keys;
}

/// <summary>The tile sizes of the attention kernel.</summary>
internal static class AttentionTile
{
    /// <summary>Queries per group, keys per staged block and features per staged chunk.</summary>
    public const int Block = 16;

    /// <summary>Threads per group: one per (query, key) score of a tile.</summary>
    public const int Threads = Block * Block;

    /// <summary>The largest dv the shared accumulator holds (and, for symmetry, the largest d).</summary>
    public const int MaxFeatures = 256;
}

/// <summary>
/// FlashAttention-style forward for one element type: one group per (batch, block of 16 queries); key blocks of 16 and
/// feature chunks of 16 are staged in shared memory; each thread owns one score of the 16×16 tile; an online softmax
/// keeps each row's running maximum and sum and rescales the shared [16, dv] accumulator, so no [Lq, Lk] buffer exists.
/// Only shared memory and group barriers (no warp shuffles); every thread meets every barrier because the loops
/// depend on the group's tile only.
/// </summary>
internal static class AttentionKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The loaded forward kernel.</summary>
    public static readonly LoadedKernel<Action<KernelConfig, AttentionProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<byte>, ArrayView<T>, T, T, ArrayView<T>, ArrayView<T>>> Forward =
        new(a => a.LoadStreamKernel<AttentionProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<byte>, ArrayView<T>, T, T, ArrayView<T>, ArrayView<T>>(ForwardKernel));

    private const int Block = AttentionTile.Block, Threads = AttentionTile.Threads;

    private static void ForwardKernel(AttentionProblem p, ArrayView<T> q, ArrayView<T> k, ArrayView<T> v, ArrayView<byte> boolMask,
        ArrayView<T> addMask, T scale, T lowest, ArrayView<T> o, ArrayView<T> lse)
    {
        TMath m = default;
        var left = SharedMemory.Allocate<T>(Threads);      // a Q chunk [query, feature]
        var right = SharedMemory.Allocate<T>(Threads);     // a K chunk [key, feature], then a V chunk [key, column]
        var weights = SharedMemory.Allocate<T>(Threads);   // the tile's scores, then its exp(s − max)
        var accumulator = SharedMemory.Allocate<T>(Block * AttentionTile.MaxFeatures);
        var rowMax = SharedMemory.Allocate<T>(Block);
        var rowSum = SharedMemory.Allocate<T>(Block);
        var rowRescale = SharedMemory.Allocate<T>(Block);
        int thread = Group.IdxX;
        for (long tile = Grid.IdxX; tile < p.Tiles; tile += Grid.DimX)
        {
            long b = tile / p.QueryBlocks, q0 = tile % p.QueryBlocks * Block;
            for (int i = thread; i < Block * p.ValueFeatures; i += Threads) accumulator[i] = m.Constant(0);
            if (thread < Block)
            {
                rowMax[thread] = m.Constant(double.NegativeInfinity);
                rowSum[thread] = m.Constant(0);
            }
            Group.Barrier();
            long keyEnd = p.KeyEnd(q0);
            for (long k0 = 0; k0 < keyEnd; k0 += Block)
            {
                T dot = Dot(p, q, k, left, right, b, q0, k0);
                weights[thread] = MaskedScore(p, boolMask, addMask, m.Mul(dot, scale), lowest, b, q0 + thread / Block, k0 + thread % Block);
                Group.Barrier();
                if (thread < Block) UpdateRow(weights, rowMax, rowSum, rowRescale, thread);
                Group.Barrier();
                Accumulate(p, v, right, weights, rowRescale, accumulator, b, k0);
            }
            WriteOutputs(p, accumulator, rowMax, rowSum, o, lse, b, q0);
            Group.Barrier();
        }
    }

    /// <summary>This thread's Q·Kᵀ entry of the tile, over feature chunks staged in shared memory (zero-padded).</summary>
    private static T Dot(AttentionProblem p, ArrayView<T> q, ArrayView<T> k, ArrayView<T> left, ArrayView<T> right, long b, long q0, long k0)
    {
        TMath m = default;
        int thread = Group.IdxX, row = thread / Block, column = thread % Block;
        long query = q0 + row, key = k0 + row;
        T dot = m.Constant(0);
        for (int f0 = 0; f0 < p.Features; f0 += Block)
        {
            int f = f0 + column;
            left[thread] = query < p.Queries && f < p.Features ? q[(b * p.Queries + query) * p.Features + f] : m.Constant(0);
            right[thread] = key < p.Keys && f < p.Features ? k[(b * p.Keys + key) * p.Features + f] : m.Constant(0);
            Group.Barrier();
            for (int t = 0; t < Block; t++) dot = m.Add(dot, m.Mul(left[row * Block + t], right[column * Block + t]));
            Group.Barrier();
        }
        return dot;
    }

    /// <summary>
    /// The score after the causal and the explicit mask, in the composed op's order: hidden keys get the lowest finite
    /// value, an additive mask is added after; keys past Lk get −∞ (weight exactly 0), rows past Lq a harmless 0.
    /// </summary>
    private static T MaskedScore(AttentionProblem p, ArrayView<byte> boolMask, ArrayView<T> addMask, T score, T lowest, long b, long query, long key)
    {
        TMath m = default;
        if (query >= p.Queries) return m.Constant(0);
        if (key >= p.Keys) return m.Constant(double.NegativeInfinity);
        if (p.Causal != 0 && key > query) score = lowest;
        if (p.MaskKind == (int)AttentionMaskKind.Bool)
        {
            if (boolMask[p.MaskOffset(b, query, key)] == 0) score = lowest;
        }
        else if (p.MaskKind == (int)AttentionMaskKind.Additive)
        {
            score = m.Add(score, addMask[p.MaskOffset(b, query, key)]);
        }
        return score;
    }

    /// <summary>The online-softmax step of one row: new maximum, the old sum rescaled plus this tile's exp(s − max).</summary>
    private static void UpdateRow(ArrayView<T> weights, ArrayView<T> rowMax, ArrayView<T> rowSum, ArrayView<T> rowRescale, int row)
    {
        TMath m = default;
        T previous = rowMax[row], max = previous;
        for (int j = 0; j < Block; j++)
        {
            T s = weights[row * Block + j];
            if (m.Less(max, s)) max = s;
        }
        T rescale = m.Exp(m.Sub(previous, max));
        T sum = m.Constant(0);
        for (int j = 0; j < Block; j++)
        {
            T e = m.Exp(m.Sub(weights[row * Block + j], max));
            weights[row * Block + j] = e;
            sum = m.Add(sum, e);
        }
        rowMax[row] = max;
        rowSum[row] = m.Add(m.Mul(rowSum[row], rescale), sum);
        rowRescale[row] = rescale;
    }

    /// <summary>accumulator[i, :] = accumulator[i, :]·rescale[i] + Σ_j weights[i, j]·V[j, :], over staged V chunks.</summary>
    private static void Accumulate(AttentionProblem p, ArrayView<T> v, ArrayView<T> right, ArrayView<T> weights, ArrayView<T> rowRescale,
        ArrayView<T> accumulator, long b, long k0)
    {
        TMath m = default;
        int thread = Group.IdxX, row = thread / Block, column = thread % Block;
        long key = k0 + row;
        for (int f0 = 0; f0 < p.ValueFeatures; f0 += Block)
        {
            int f = f0 + column;
            right[thread] = key < p.Keys && f < p.ValueFeatures ? v[(b * p.Keys + key) * p.ValueFeatures + f] : m.Constant(0);
            Group.Barrier();
            if (f < p.ValueFeatures)
            {
                T sum = m.Constant(0);
                for (int j = 0; j < Block; j++) sum = m.Add(sum, m.Mul(weights[row * Block + j], right[j * Block + column]));
                int at = row * p.ValueFeatures + f;
                accumulator[at] = m.Add(m.Mul(accumulator[at], rowRescale[row]), sum);
            }
            Group.Barrier();
        }
    }

    /// <summary>O = accumulator / sum and L = max + log(sum) for the tile's rows inside Lq.</summary>
    private static void WriteOutputs(AttentionProblem p, ArrayView<T> accumulator, ArrayView<T> rowMax, ArrayView<T> rowSum,
        ArrayView<T> o, ArrayView<T> lse, long b, long q0)
    {
        TMath m = default;
        int thread = Group.IdxX;
        if (thread < Block && q0 + thread < p.Queries)
            lse[b * p.Queries + q0 + thread] = m.Add(rowMax[thread], m.Log(rowSum[thread]));
        for (int i = thread; i < Block * p.ValueFeatures; i += Threads)
        {
            int row = i / p.ValueFeatures, column = i - row * p.ValueFeatures;
            if (q0 + row < p.Queries)
                o[((b * p.Queries) + q0 + row) * p.ValueFeatures + column] = m.Div(accumulator[i], rowSum[row]);
        }
    }
}
