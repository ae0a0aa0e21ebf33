namespace Engine.Kernels.Cpu;

/// <summary>
/// Several strided views (operands) of one shape, with mergeable dimensions merged: the outer
/// dimensions are walked with an index counter and the innermost one is handed to a row kernel.
/// </summary>
public sealed class Layout
{
    private readonly long[] _outerShape;
    private readonly long[][] _outerStrides;
    private readonly long[] _innerStrides;

    private Layout(long[] shape, long[][] strides)
    {
        int rank = shape.Length;
        int outer = rank - 1;
        InnerSize = shape[outer];
        _outerShape = shape[..outer];
        _innerStrides = strides.Select(s => s[outer]).ToArray();
        _outerStrides = strides.Select(s => s[..outer]).ToArray();
        long count = 1;
        foreach (var s in _outerShape) count *= s;
        OuterCount = count;
    }

    /// <summary>Length of the innermost (row) dimension.</summary>
    public long InnerSize { get; }
    /// <summary>Number of rows.</summary>
    public long OuterCount { get; }
    /// <summary>Number of outer dimensions.</summary>
    public int OuterRank => _outerShape.Length;
    /// <summary>Number of operands.</summary>
    public int Operands => _innerStrides.Length;

    /// <summary>Stride along the row of operand <paramref name="operand"/>.</summary>
    public long InnerStride(int operand) => _innerStrides[operand];

    /// <summary>Length of outer dimension <paramref name="axis"/> (0 is the outermost, <see cref="OuterRank"/> − 1 the row index that moves fastest).</summary>
    public long OuterSize(int axis) => _outerShape[axis];

    /// <summary>Stride of operand <paramref name="operand"/> along outer dimension <paramref name="axis"/>.</summary>
    public long OuterStride(int operand, int axis) => _outerStrides[operand][axis];

    /// <summary>
    /// Drops size-1 dimensions and merges dimension i into i+1 where every operand is contiguous across
    /// the pair. A zero-size shape gives zero rows; a scalar gives one row of one element.
    /// </summary>
    public static Layout Coalesce(ReadOnlySpan<int> shape, params long[][] strides)
    {
        foreach (var s in strides)
            if (s.Length != shape.Length)
                throw new ArgumentException($"Layout: rank {shape.Length} does not match a stride list of rank {s.Length}.");
        var dims = new List<long>();
        var merged = strides.Select(_ => new List<long>()).ToArray();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 0) return new Layout([0], strides.Select(_ => new long[] { 0 }).ToArray());
            if (shape[i] == 1) continue;
            int last = dims.Count - 1;
            bool mergeable = last >= 0;
            for (int k = 0; k < strides.Length && mergeable; k++)
                mergeable = merged[k][last] == strides[k][i] * shape[i];
            if (mergeable)
            {
                dims[last] *= shape[i];
                for (int k = 0; k < strides.Length; k++) merged[k][last] = strides[k][i];
            }
            else
            {
                dims.Add(shape[i]);
                for (int k = 0; k < strides.Length; k++) merged[k].Add(strides[k][i]);
            }
        }
        if (dims.Count == 0) return new Layout([1], strides.Select(_ => new long[] { 1 }).ToArray());
        return new Layout([.. dims], merged.Select(m => m.ToArray()).ToArray());
    }

    /// <summary>Writes the outer index of row number <paramref name="row"/> into <paramref name="index"/>.</summary>
    public void Unravel(long row, Span<long> index)
    {
        for (int d = _outerShape.Length - 1; d >= 0; d--)
        {
            index[d] = row % _outerShape[d];
            row /= _outerShape[d];
        }
    }

    /// <summary>Element offset of operand <paramref name="operand"/>'s row at <paramref name="index"/>.</summary>
    public long Offset(int operand, ReadOnlySpan<long> index)
    {
        var strides = _outerStrides[operand];
        long offset = 0;
        for (int d = 0; d < index.Length; d++) offset += index[d] * strides[d];
        return offset;
    }

    /// <summary>Advances <paramref name="index"/> to the next row (odometer order).</summary>
    public void Increment(Span<long> index)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < _outerShape[d]) return;
            index[d] = 0;
        }
    }

    /// <summary>
    /// Calls <paramref name="row"/>(rowIndex, offsets) for every row, in parallel blocks of rows when the
    /// total work (rows × row length) is large. The offsets span holds one element offset per operand.
    /// </summary>
    public void ForEachRow(RowAction row, long parallelGrain = 1 << 16)
    {
        long grainRows = Math.Max(1, parallelGrain / Math.Max(1, InnerSize));
        int operands = Operands;
        KernelThreads.ForRange(OuterCount, grainRows, (start, end) =>
        {
            Span<long> index = stackalloc long[OuterRank];
            Span<long> offsets = stackalloc long[operands];
            Unravel(start, index);
            for (long r = start; r < end; r++)
            {
                for (int k = 0; k < operands; k++) offsets[k] = Offset(k, index);
                row(offsets);
                Increment(index);
            }
        });
    }

    /// <summary>Work on one row; <c>offsets[k]</c> is operand k's element offset of the row start.</summary>
    public delegate void RowAction(ReadOnlySpan<long> offsets);

    /// <summary>
    /// Like <see cref="ForEachRow"/>, but with fewer rows than threads and long rows (a copy between two contiguous
    /// views is one row), each row is cut into pieces of at least <paramref name="parallelGrain"/> elements that run
    /// in parallel too. <paramref name="segment"/>(offsets, length) gets each operand's element offset of the piece's
    /// first element and the piece's length.
    /// </summary>
    public void ForEachSegment(SegmentAction segment, long parallelGrain = 1 << 16)
    {
        int threads = KernelThreads.Count;
        long rowLength = InnerSize;
        if (OuterCount >= threads || rowLength / 2 < parallelGrain)
        {
            ForEachRow(offsets => segment(offsets, rowLength), parallelGrain);
            return;
        }
        int pieces = (int)Math.Min(threads, rowLength / parallelGrain);
        long piece = (rowLength + pieces - 1) / pieces;
        int operands = Operands;
        KernelThreads.For(checked((int)OuterCount * pieces), job =>
        {
            long start = job % pieces * piece;
            long length = Math.Min(piece, rowLength - start);
            if (length <= 0) return;
            Span<long> index = stackalloc long[OuterRank];
            Span<long> offsets = stackalloc long[operands];
            Unravel(job / pieces, index);
            for (int k = 0; k < operands; k++) offsets[k] = Offset(k, index) + start * _innerStrides[k];
            segment(offsets, length);
        });
    }

    /// <summary>Work on <paramref name="length"/> elements of a row; <c>offsets[k]</c> is operand k's element offset of the first.</summary>
    public delegate void SegmentAction(ReadOnlySpan<long> offsets, long length);
}
