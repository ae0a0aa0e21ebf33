using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary><see cref="IReductionSimd{TV,T}"/> over 256-bit vectors: the AVX2+FMA path.</summary>
internal readonly unsafe struct ReductionSimd256<T> : IReductionSimd<Vector256<T>, T>
    where T : unmanaged, INumber<T>
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, Vector256<T> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> left, Vector256<T> right, Vector256<T> addend)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>();
        return left * right + addend;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MaxNative(Vector256<T> left, Vector256<T> right) => Vector256.MaxNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MinNative(Vector256<T> left, Vector256<T> right) => Vector256.MinNative(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> IsNaN(Vector256<T> value) => Vector256.IsNaN(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Equal(Vector256<T> left, Vector256<T> right) => Vector256.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessThan(Vector256<T> left, Vector256<T> right) => Vector256.LessThan(left, right);

    // Masks here are whole-lane compare results, so one vblendv replaces the and/andnot/or of ConditionalSelect.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Select(Vector256<T> mask, Vector256<T> whenTrue, Vector256<T> whenFalse)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float))
            return Avx.BlendVariable(whenFalse.AsSingle(), whenTrue.AsSingle(), mask.AsSingle()).As<float, T>();
        if (Avx.IsSupported && typeof(T) == typeof(double))
            return Avx.BlendVariable(whenFalse.AsDouble(), whenTrue.AsDouble(), mask.AsDouble()).As<double, T>();
        return Vector256.ConditionalSelect(mask, whenTrue, whenFalse);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T CombineLanes<TOp>(Vector256<T> value) where TOp : IReduceCombiner
    {
        value = TOp.Combine<Vector256<T>, T, ReductionSimd256<T>>(value, Vector256.Create(value.GetUpper(), value.GetLower()));
        if (sizeof(T) == 8)
        {
            var swapped = Vector256.Shuffle(value.AsInt64(), Vector256.Create(1L, 0, 3, 2)).As<long, T>();
            return TOp.Combine<Vector256<T>, T, ReductionSimd256<T>>(value, swapped).ToScalar();
        }
        var pairs = Vector256.Shuffle(value.AsInt32(), Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)).As<int, T>();
        value = TOp.Combine<Vector256<T>, T, ReductionSimd256<T>>(value, pairs);
        var neighbours = Vector256.Shuffle(value.AsInt32(), Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)).As<int, T>();
        return TOp.Combine<Vector256<T>, T, ReductionSimd256<T>>(value, neighbours).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ZeroWhere(Vector256<T> mask, Vector256<T> value) => Vector256.AndNot(value, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector256<T> mask)
    {
        uint bits = mask.ExtractMostSignificantBits();
        return bits == 0 ? -1 : BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ShiftBitsLeft(Vector256<T> value, int count) => sizeof(T) == 4
        ? Vector256.ShiftLeft(value.AsUInt32(), count).As<uint, T>()
        : Vector256.ShiftLeft(value.AsUInt64(), count).As<ulong, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> AddBits(Vector256<T> left, Vector256<T> right) => sizeof(T) == 4
        ? (left.AsUInt32() + right.AsUInt32()).As<uint, T>()
        : (left.AsUInt64() + right.AsUInt64()).As<ulong, T>();
}
