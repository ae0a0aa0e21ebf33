namespace Engine.Kernels.Gpu;

/// <summary>
/// Integer counts (window divisors, element counts, tap fractions) as the element type. <see cref="IGpuScalarMath{T}.Constant"/>
/// goes through double, which in a float kernel would compile to double-precision instructions; this converts directly.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal interface IGpuCountConversion<T> where T : unmanaged
{
    /// <summary><paramref name="value"/> as a T.</summary>
    T FromCount(long value);
}

/// <summary>Counts as float.</summary>
internal readonly struct GpuFloatCounts : IGpuCountConversion<float>
{
    /// <inheritdoc/>
    public float FromCount(long value) => value;
}

/// <summary>Counts as double.</summary>
internal readonly struct GpuDoubleCounts : IGpuCountConversion<double>
{
    /// <inheritdoc/>
    public double FromCount(long value) => value;
}
