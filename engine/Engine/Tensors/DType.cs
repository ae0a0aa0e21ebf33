namespace Engine.Tensors;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float: the default for data and parameters.</summary>
    Float32,
    /// <summary>64-bit IEEE float: for gradient checks and accuracy-critical work.</summary>
    Float64,
    /// <summary>32-bit signed integer: indices and labels.</summary>
    Int32,
    /// <summary>Boolean mask stored as one byte per element (0 or 1): the result of comparisons.</summary>
    Bool,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Size of one element in bytes.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>True for Float32 and Float64.</summary>
    public static bool IsFloating(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The NumPy-style name: float32, float64, int32, bool.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Bool => "bool",
        _ => dtype.ToString(),
    };

    /// <summary>The dtype whose elements are the C# type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(int) ? DType.Int32
        : typeof(T) == typeof(bool) || typeof(T) == typeof(byte) ? DType.Bool
        : throw new NotSupportedException($"No tensor dtype holds elements of type {typeof(T).Name}; use float, double, int or bool.");
}
