using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>Minimum that propagates NaN from either side.</summary>
internal readonly struct MinCombiner : IReduceCombiner
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => ReductionLimits.Highest<T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Combine<T>(T accumulated, T element) where T : unmanaged, INumber<T> =>
        T.IsNaN(element) || element < accumulated ? element : accumulated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Combine<TV, T, TSimd>(TV accumulated, TV element)
        where TV : struct where T : unmanaged, INumber<T> where TSimd : struct, ISimd<TV, T> =>
        TSimd.Select(TSimd.IsNaN(element), element, TSimd.MinFast(element, accumulated));
}
