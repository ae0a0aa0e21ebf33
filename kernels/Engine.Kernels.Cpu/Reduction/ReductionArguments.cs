namespace Engine.Kernels.Cpu;

/// <summary>Argument checks and errors shared by the reduction and softmax kernels.</summary>
internal static class ReductionArguments
{
    public static NotSupportedException NotSupported<T>(string kernel) =>
        new($"{kernel} does not support element type {typeof(T).FullName}.");

    /// <summary>Throws unless the [outer, length, inner] view has non-negative sizes and valid pointers.</summary>
    public static unsafe void CheckShape(void* x, long outer, long length, long inner, void* y)
    {
        if (outer < 0) throw new ArgumentOutOfRangeException(nameof(outer), outer, "outer must be non-negative.");
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be non-negative.");
        if (inner < 0) throw new ArgumentOutOfRangeException(nameof(inner), inner, "inner must be non-negative.");
        long outputs = outer * inner;
        if (outputs > 0 && y == null) throw new ArgumentNullException(nameof(y));
        if (outputs > 0 && length > 0 && x == null) throw new ArgumentNullException(nameof(x));
    }
}
