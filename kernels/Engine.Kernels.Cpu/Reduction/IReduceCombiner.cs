using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// One reduction (sum, max, min) as a zero-size struct, so the kernels are written once and the JIT
/// specialises them per operation.
/// </summary>
internal interface IReduceCombiner
{
    /// <summary>The value that leaves any element unchanged when combined with it.</summary>
    static abstract T Identity<T>() where T : unmanaged, INumber<T>;

    static abstract T Combine<T>(T accumulated, T element) where T : unmanaged, INumber<T>;

    static abstract TV Combine<TV, T, TSimd>(TV accumulated, TV element)
        where TV : struct
        where T : unmanaged, INumber<T>
        where TSimd : struct, ISimd<TV, T>;
}
