using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>Maximum that propagates NaN from either side.</summary>
internal readonly struct MaxCombiner : IReduceCombiner
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => ReductionLimits.Lowest<T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Combine<T>(T accumulated, T element) where T : unmanaged, INumber<T> =>
        T.IsNaN(element) || element > accumulated ? element : accumulated;

    // MaxNative(element, accumulated) yields 'accumulated' when either is NaN, so a NaN already
    // accumulated sticks; the select lets a new NaN element in. Three instructions, no IEEE fix-ups.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Combine<TV, T, TSimd>(TV accumulated, TV element)
        where TV : struct where T : unmanaged, INumber<T> where TSimd : struct, ISimd<TV, T> =>
        TSimd.Select(TSimd.IsNaN(element), element, TSimd.MaxFast(element, accumulated));
}
