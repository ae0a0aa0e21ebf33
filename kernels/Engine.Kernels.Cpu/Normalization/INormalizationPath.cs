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

    /// <summary>
    /// One Welford step for every column of a row (batch norm with a short inner axis, where the row's columns
    /// are its channel·inner positions): column j, shifted by shift[j], joins mean[j] and m2[j];
    /// <paramref name="reciprocal"/> is 1/n for the n values each column then holds.
    /// </summary>
    static abstract void AccumulateColumns(T* row, nint width, T* shift, T reciprocal, T* mean, T* m2);

    /// <summary>y[j] = (x[j] − mean[j])·scale[j] + shift[j] across a row.</summary>
    static abstract void NormalizeColumns(T* x, nint width, T* mean, T* scale, T* shift, T* y);

    /// <summary>sumDy[j] += dy[j] and sumDyCentered[j] += dy[j]·(x[j] − mean[j]) across a row.</summary>
    static abstract void GradientSumsColumns(T* x, T* dy, nint width, T* mean, T* sumDy, T* sumDyCentered);

    /// <summary>dx[j] = dy[j]·dyScale[j] + (x[j] − mean[j])·centeredScale[j] + constant[j] across a row.</summary>
    static abstract void InputGradientColumns(T* x, T* dy, nint width, T* mean, T* dyScale, T* centeredScale, T* constant, T* dx);

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
/// Streaming moments of one channel or row. Vector lanes each run Welford's update in the element type on
/// values shifted by the first value seen (so a large common offset does not eat the mantissa), and are
/// merged into a double accumulator with Chan's formula every <see cref="FlushInterval"/> updates, before
/// float lanes would stall (mean += delta/n rounding to nothing once n is large). Values that do not fill
/// a vector go straight to the double accumulator.
/// </summary>
internal unsafe struct MomentAccumulator<T> where T : unmanaged
{
    /// <summary>Room for the lanes of the widest vector (512 bits of float).</summary>
    public const int MaxLanes = 16;

    /// <summary>Welford updates a lane takes before it is merged into <see cref="Merged"/> and restarted.</summary>
    public const long FlushInterval = 256;

    public fixed byte LaneMeanBytes[MaxLanes * 8];
    public fixed byte LaneM2Bytes[MaxLanes * 8];

    /// <summary>How many values each lane holds.</summary>
    public long LaneCount;

    /// <summary>What the lanes subtract from every value (the first value seen); valid once <see cref="HasShift"/>.</summary>
    public double Shift;

    public bool HasShift;

    /// <summary>Everything not in the lanes: flushed lanes and values that did not fill a vector.</summary>
    public Moments Merged;

    /// <summary>Merges the <paramref name="lanes"/> lane states into <see cref="Merged"/> and empties the lanes.</summary>
    public void FlushLanes(int lanes)
    {
        if (LaneCount == 0) return;
        fixed (byte* means = LaneMeanBytes, m2s = LaneM2Bytes)
            for (int k = 0; k < lanes; k++)
                Merged.Merge(new Moments(LaneCount, Shift + Read(means, k), Read(m2s, k)));
        LaneCount = 0;
    }

    /// <summary>The moments of everything added so far.</summary>
    public readonly Moments Total(int lanes)
    {
        var copy = this;
        copy.FlushLanes(lanes);
        return copy.Merged;
    }

    private static double Read(byte* lanes, int k) =>
        typeof(T) == typeof(float) ? ((float*)lanes)[k] : ((double*)lanes)[k];
}
