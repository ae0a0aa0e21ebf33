namespace Engine.Kernels.Gpu;

/// <summary>
/// A rank ≤ 6 shape as a kernel parameter (kernels take no arrays): the dimensions left-padded with 1s to six,
/// so every kernel walks the same six axes.
/// </summary>
internal readonly struct GpuShape(long d0, long d1, long d2, long d3, long d4, long d5)
{
    /// <summary>The largest rank a kernel accepts.</summary>
    public const int MaxRank = 6;

    /// <summary>Dimensions, outermost first.</summary>
    public readonly long D0 = d0, D1 = d1, D2 = d2, D3 = d3, D4 = d4, D5 = d5;

    /// <summary>The shape padded to six axes.</summary>
    public static GpuShape From(ReadOnlySpan<long> shape)
    {
        Span<long> d = stackalloc long[MaxRank];
        d.Fill(1);
        shape.CopyTo(d[(MaxRank - shape.Length)..]);
        return new GpuShape(d[0], d[1], d[2], d[3], d[4], d[5]);
    }

    /// <summary>The element offset of row-major element <paramref name="linear"/> in an operand with these strides.</summary>
    public long Offset(long linear, GpuStrides strides)
    {
        long q = linear / D5, offset = (linear - q * D5) * strides.S5;
        linear = q; q = linear / D4; offset += (linear - q * D4) * strides.S4;
        linear = q; q = linear / D3; offset += (linear - q * D3) * strides.S3;
        linear = q; q = linear / D2; offset += (linear - q * D2) * strides.S2;
        linear = q; q = linear / D1; offset += (linear - q * D1) * strides.S1;
        return offset + q * strides.S0;
    }
}

/// <summary>An operand's element strides (0 broadcasts an axis), padded to six axes like <see cref="GpuShape"/>.</summary>
internal readonly struct GpuStrides(long s0, long s1, long s2, long s3, long s4, long s5)
{
    /// <summary>Strides, outermost first.</summary>
    public readonly long S0 = s0, S1 = s1, S2 = s2, S3 = s3, S4 = s4, S5 = s5;

    /// <summary>The strides padded with 0s to six axes.</summary>
    public static GpuStrides From(ReadOnlySpan<long> strides)
    {
        Span<long> s = stackalloc long[GpuShape.MaxRank];
        s.Clear();
        strides.CopyTo(s[(GpuShape.MaxRank - strides.Length)..]);
        return new GpuStrides(s[0], s[1], s[2], s[3], s[4], s[5]);
    }
}

/// <summary>Validation of the strided operands of the elementwise kernels.</summary>
internal static class StridedOperands
{
    /// <summary>The element count of <paramref name="shape"/>, after checking the rank and dimensions.</summary>
    public static long Count(string kernel, ReadOnlySpan<long> shape)
    {
        if (shape.Length > GpuShape.MaxRank)
            throw new ArgumentException($"{kernel}: shape [{string.Join(", ", shape.ToArray())}] has rank {shape.Length}; at most {GpuShape.MaxRank} is supported.");
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"{kernel}: shape [{string.Join(", ", shape.ToArray())}] has a negative dimension.");
            count *= d;
        }
        return count;
    }

    /// <summary>Checks one operand's strides against the shape and the length of its view.</summary>
    public static void Check(string kernel, string name, ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, long viewLength)
    {
        if (strides.Length != shape.Length)
            throw new ArgumentException($"{kernel}: {name} has {strides.Length} strides [{string.Join(", ", strides.ToArray())}] for shape [{string.Join(", ", shape.ToArray())}].", name);
        long last = 0;
        for (int k = 0; k < shape.Length; k++)
        {
            if (strides[k] < 0)
                throw new ArgumentException($"{kernel}: {name} strides [{string.Join(", ", strides.ToArray())}] must be non-negative.", name);
            last += (shape[k] - 1) * strides[k];
        }
        if (Count(kernel, shape) > 0 && last >= viewLength)
            throw new ArgumentException($"{kernel}: {name} with strides [{string.Join(", ", strides.ToArray())}] over shape [{string.Join(", ", shape.ToArray())}] reaches element {last}, past its view of length {viewLength}.", name);
    }
}
