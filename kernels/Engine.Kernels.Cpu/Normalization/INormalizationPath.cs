namespace Engine.Kernels.Cpu;

/// <summary>
/// The per-line work of batch and layer normalisation on one instruction-set path. <see cref="BatchNorm"/> and
/// <see cref="LayerNorm"/> are written once over this interface and handle shapes, threads and the per-channel
/// or per-row scalars; the scalar twin is the reference, the vector implementation is written over ISimd.
/// </summary>
internal unsafe interface INormalizationPath<T> where T : unmanaged
{
    /// <summary>Vector lanes the accumulator's lane states hold (0 on the scalar path).</summary>
    static abstract int Lanes { get; }

    /// <summary>Adds the <paramref name="count"/> contiguous values at <paramref name="x"/> to a running accumulator.</summary>
    static abstract void Accumulate(T* x, nint count, ref MomentAccumulator<T> accumulator);

    /// <summary>y = (x − mean)·scale + shift over a contiguous line (batch norm: one channel's strip).</summary>
    static abstract void Normalize(T* x, nint count, T mean, T scale, T shift, T* y);

    /// <summary>Σ dy and Σ dy·(x − mean) over a contiguous line, in double.</summary>
    static abstract (double SumDy, double SumDyCentered) GradientSums(T* x, T* dy, nint count, T mean);

    /// <summary>dx = dy·dyScale + (x − mean)·centeredScale + constant over a contiguous line.</summary>
    static abstract void InputGradient(T* x, T* dy, nint count, T mean, T dyScale, T centeredScale, T constant, T* dx);

    /// <summary>y = (x − mean)·invStd·weight[j] + bias[j] over a row; a null weight is 1, a null bias 0.</summary>
    static abstract void NormalizeRow(T* x, nint count, T mean, T invStd, T* weight, T* bias, T* y);

    /// <summary>
    /// Layer-norm backward of one row: with g = dy·weight and x̂ = (x − mean)·invStd, writes
    /// dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) (when dx is not null) and adds dy·x̂ to dWeight and dy to
    /// dBias (each when not null).
    /// </summary>
    static abstract void RowBackward(T* x, T* dy, nint count, T mean, T invStd, T* weight, T* dx, T* dWeight, T* dBias);
}

/// <summary>
/// Streaming moments of one channel or row: vector lanes each run Welford's update in the element type
/// (all lanes see the same count), and values that do not fill a vector go to a double accumulator; the
/// lanes are merged with Chan's formula at the end.
/// </summary>
internal unsafe struct MomentAccumulator<T> where T : unmanaged
{
    /// <summary>Room for the lanes of the widest vector (512 bits of float).</summary>
    public const int MaxLanes = 16;

    public fixed byte LaneMeanBytes[MaxLanes * 8];
    public fixed byte LaneM2Bytes[MaxLanes * 8];

    /// <summary>How many values each lane holds.</summary>
    public long LaneCount;

    /// <summary>The values that did not fill a vector.</summary>
    public Moments Tail;

    /// <summary>The moments of everything added: <paramref name="lanes"/> lane states merged with the tail.</summary>
    public Moments Total(int lanes)
    {
        var total = Tail;
        if (LaneCount == 0) return total;
        fixed (byte* means = LaneMeanBytes, m2s = LaneM2Bytes)
            for (int k = 0; k < lanes; k++)
                total.Merge(new Moments(LaneCount, Read(means, k), Read(m2s, k)));
        return total;
    }

    private static double Read(byte* lanes, int k) =>
        typeof(T) == typeof(float) ? ((float*)lanes)[k] : ((double*)lanes)[k];
}
