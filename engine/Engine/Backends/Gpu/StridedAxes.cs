namespace Engine.Backends.Gpu;

/// <summary>
/// The axes a GPU elementwise kernel walks for a set of strided operands: size-1 axes dropped and neighbouring axes
/// merged wherever every operand steps through them as one, so contiguous views of any rank fit the kernels' six axes.
/// </summary>
internal readonly record struct StridedAxes(long[] Shape, long[][] Strides)
{
    /// <summary>The most axes the GPU kernels take.</summary>
    public const int MaxRank = 6;

    /// <summary>Coalesces <paramref name="shape"/> with one stride array per operand.</summary>
    /// <param name="op">The op, for the error message.</param>
    /// <param name="shape">The common shape.</param>
    /// <param name="strides">Each operand's strides over <paramref name="shape"/>.</param>
    /// <exception cref="ArgumentException">More than six axes remain after merging.</exception>
    public static StridedAxes Of(string op, ReadOnlySpan<int> shape, params long[][] strides)
    {
        // Called for every elementwise op: plain arrays filled from the innermost axis outwards, no LINQ.
        int operands = strides.Length, kept = 0;
        Span<long> dims = stackalloc long[shape.Length];
        var merged = new long[operands][];
        for (int k = 0; k < operands; k++) merged[k] = new long[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            long size = shape[axis];
            if (size == 1) continue;
            if (kept > 0 && ContinuesInner(strides, merged, axis, kept - 1, dims[kept - 1]))
            {
                dims[kept - 1] *= size; // this axis continues the inner one in every operand
                continue;
            }
            dims[kept] = size;
            for (int k = 0; k < operands; k++) merged[k][kept] = strides[k][axis];
            kept++;
        }
        if (kept > MaxRank)
            throw new ArgumentException($"{op}: the views of shape [{string.Join(", ", shape.ToArray())}] keep {kept} axes that cannot be merged; the GPU kernels walk at most {MaxRank}. Call Contiguous() on the operands first.");
        var outerFirst = new long[kept];
        for (int i = 0; i < kept; i++) outerFirst[i] = dims[kept - 1 - i];
        var operandStrides = new long[operands][];
        for (int k = 0; k < operands; k++)
        {
            operandStrides[k] = new long[kept];
            for (int i = 0; i < kept; i++) operandStrides[k][i] = merged[k][kept - 1 - i];
        }
        return new StridedAxes(outerFirst, operandStrides);
    }

    /// <summary>Whether every operand steps over <paramref name="axis"/> exactly as one more run of the kept inner axis.</summary>
    private static bool ContinuesInner(long[][] strides, long[][] merged, int axis, int inner, long innerSize)
    {
        for (int k = 0; k < strides.Length; k++)
            if (strides[k][axis] != merged[k][inner] * innerSize) return false;
        return true;
    }
}
