namespace Engine.Kernels.Cpu;

/// <summary>Validation of the operand strides the elementwise kernels accept.</summary>
internal static class Strides
{
    /// <summary>Throws unless <paramref name="stride"/> is 1 (a row) or 0 (a scalar broadcast over the row).</summary>
    public static void RequireUnitOrBroadcast(long stride, string name)
    {
        if (stride != 0 && stride != 1)
            throw new ArgumentException($"Stride must be 1 (contiguous) or 0 (broadcast scalar), not {stride}.", name);
    }
}
