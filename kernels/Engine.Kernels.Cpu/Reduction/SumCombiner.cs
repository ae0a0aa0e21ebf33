using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>Addition.</summary>
internal readonly struct SumCombiner : IReduceCombiner
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Combine<T>(T accumulated, T element) where T : unmanaged, INumber<T> => accumulated + element;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Combine<TV, T, TSimd>(TV accumulated, TV element)
        where TV : struct where T : unmanaged, INumber<T> where TSimd : struct, ISimd<TV, T> =>
        TSimd.Add(accumulated, element);
}
