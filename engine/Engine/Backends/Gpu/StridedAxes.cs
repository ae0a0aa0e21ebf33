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
        var dims = new List<long>();
        var merged = strides.Select(_ => new List<long>()).ToArray();
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            long size = shape[axis];
            if (size == 1) continue;
            int last = dims.Count - 1;
            if (last >= 0 && strides.Select((s, k) => s[axis] == merged[k][last] * dims[last]).All(x => x))
            {
                dims[last] *= size; // this axis continues the inner one in every operand
                continue;
            }
            dims.Add(size);
            for (int k = 0; k < strides.Length; k++) merged[k].Add(strides[k][axis]);
        }
        if (dims.Count > MaxRank)
            throw new ArgumentException($"{op}: the views of shape [{string.Join(", ", shape.ToArray())}] keep {dims.Count} axes that cannot be merged; the GPU kernels walk at most {MaxRank}. Call Contiguous() on the operands first.");
        dims.Reverse();
        foreach (var list in merged) list.Reverse();
        return new StridedAxes([.. dims], merged.Select(l => l.ToArray()).ToArray());
    }
}
