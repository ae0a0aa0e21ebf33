namespace Engine.Kernels.Cpu;

/// <summary>Argument checks shared by the batch- and layer-normalisation kernels.</summary>
internal static class NormalizationArguments
{
    /// <summary>Throws unless every size is non-negative.</summary>
    public static void CheckSizes(string kernel, params ReadOnlySpan<(string Name, long Value)> sizes)
    {
        foreach (var (name, value) in sizes)
            if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{kernel}: {name} must be non-negative, got {value}.");
    }

    /// <summary>Throws when a pointer the kernel reads or writes is null while there is work to do.</summary>
    public static unsafe void CheckPointer(string kernel, void* pointer, string name, long elements)
    {
        if (elements > 0 && pointer == null) throw new ArgumentNullException(name, $"{kernel}: {name} is null but {elements} elements need it.");
    }

    /// <summary>Throws when eps is negative or not finite (1/√(var + eps) would not be a scale).</summary>
    public static void CheckEpsilon(string kernel, double eps)
    {
        if (!(eps >= 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{kernel}: eps must be finite and non-negative, got {eps}.");
    }
}
