using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>Element-type checks and double conversions shared by the elementwise kernels.</summary>
internal static class ElementTypes
{
    /// <summary>Throws unless T is float or double.</summary>
    public static void RequireFloatingPoint<T>(string kernel)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"{kernel} supports float and double, not {typeof(T).Name}.");
    }

    /// <summary>Throws unless T is float, double or int.</summary>
    public static void RequireNumeric<T>(string kernel)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int))
            throw new NotSupportedException($"{kernel} supports float, double and int, not {typeof(T).Name}.");
    }

    /// <summary>Widens a float, double or int to double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T value)
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref value);
        if (typeof(T) == typeof(double)) return Unsafe.As<T, double>(ref value);
        if (typeof(T) == typeof(int)) return Unsafe.As<T, int>(ref value);
        throw new NotSupportedException($"No double conversion for {typeof(T).Name}.");
    }

    /// <summary>Narrows a double to float or double T (rounding to nearest).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double value)
    {
        if (typeof(T) == typeof(float)) { float f = (float)value; return Unsafe.As<float, T>(ref f); }
        if (typeof(T) == typeof(double)) return Unsafe.As<double, T>(ref value);
        throw new NotSupportedException($"No conversion from double to {typeof(T).Name}.");
    }
}
