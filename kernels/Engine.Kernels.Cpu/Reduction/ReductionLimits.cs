using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>The identities of max and min for the element types the reductions support.</summary>
internal static class ReductionLimits
{
    /// <summary>-∞ for floating point, MinValue for integers: nothing compares below it.</summary>
    public static T Lowest<T>() where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float)) return (T)(object)float.NegativeInfinity;
        if (typeof(T) == typeof(double)) return (T)(object)double.NegativeInfinity;
        if (typeof(T) == typeof(int)) return (T)(object)int.MinValue;
        throw ReductionArguments.NotSupported<T>("ReductionLimits");
    }

    /// <summary>+∞ for floating point, MaxValue for integers: nothing compares above it.</summary>
    public static T Highest<T>() where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float)) return (T)(object)float.PositiveInfinity;
        if (typeof(T) == typeof(double)) return (T)(object)double.PositiveInfinity;
        if (typeof(T) == typeof(int)) return (T)(object)int.MaxValue;
        throw ReductionArguments.NotSupported<T>("ReductionLimits");
    }
}
