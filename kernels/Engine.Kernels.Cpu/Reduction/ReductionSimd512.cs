using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary><see cref="IReductionSimd{TV,T}"/> over 512-bit vectors: the AVX-512 path (emulated in software where the CPU lacks it).</summary>
internal readonly unsafe struct ReductionSimd512<T> : IReductionSimd<Vector512<T>, T>
    where T : unmanaged, INumber<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, Vector512<T> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> left, Vector512<T> right, Vector512<T> addend)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>();
        return left * right + addend;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxNative(Vector512<T> left, Vector512<T> right) => Vector512.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MinNative(Vector512<T> left, Vector512<T> right) => Vector512.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IsNaN(Vector512<T> value) => Vector512.IsNaN(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Equal(Vector512<T> left, Vector512<T> right) => Vector512.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThan(Vector512<T> left, Vector512<T> right) => Vector512.LessThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Select(Vector512<T> mask, Vector512<T> whenTrue, Vector512<T> whenFalse) =>
        Vector512.ConditionalSelect(mask, whenTrue, whenFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ZeroWhere(Vector512<T> mask, Vector512<T> value) => Vector512.AndNot(value, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T CombineLanes<TOp>(Vector512<T> value) where TOp : IReduceCombiner =>
        ReductionSimd256<T>.CombineLanes<TOp>(TOp.Combine<Vector256<T>, T, ReductionSimd256<T>>(value.GetLower(), value.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector512<T> mask)
    {
        ulong bits = mask.ExtractMostSignificantBits();
        return bits == 0 ? -1 : BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ShiftBitsLeft(Vector512<T> value, int count) => sizeof(T) == 4
        ? Vector512.ShiftLeft(value.AsUInt32(), count).As<uint, T>()
        : Vector512.ShiftLeft(value.AsUInt64(), count).As<ulong, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> AddBits(Vector512<T> left, Vector512<T> right) => sizeof(T) == 4
        ? (left.AsUInt32() + right.AsUInt32()).As<uint, T>()
        : (left.AsUInt64() + right.AsUInt64()).As<ulong, T>();
}
