using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on 256-bit vectors: the AVX2+FMA path.</summary>
internal readonly unsafe struct Simd256<T> : ISimd<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Div(Vector256<T> a, Vector256<T> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Neg(Vector256<T> a) => -a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MaxFast(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MinFast(Vector256<T> a, Vector256<T> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Equal(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessOrEqual(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> IsNaN(Vector256<T> a) => ~Vector256.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> And(Vector256<T> a, Vector256<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Or(Vector256<T> a, Vector256<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector256<T> mask) => Vector256.ExtractMostSignificantBits(mask) != 0;
    // Masks are whole-lane compare results, so one vblendv replaces ConditionalSelect's and/andnot/or.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Select(Vector256<T> mask, Vector256<T> a, Vector256<T> b)
    {
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported && typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Avx.BlendVariable(b.AsSingle(), a.AsSingle(), mask.AsSingle()).As<float, T>();
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported && typeof(T) == typeof(double))
            return System.Runtime.Intrinsics.X86.Avx.BlendVariable(b.AsDouble(), a.AsDouble(), mask.AsDouble()).As<double, T>();
        return Vector256.ConditionalSelect(mask, a, b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Pow2OfShifted(Vector256<T> shifted)
    {
        // shifted = m + 1.5·2^p keeps m in its low bits; add the bias and move it into the exponent field.
        if (typeof(T) == typeof(float))
            return Vector256.ShiftLeft(shifted.AsInt32() + Vector256.Create(FloatBits.ExponentBias - FloatBits.ShiftBits), FloatBits.MantissaBits).As<int, T>();
        return Vector256.ShiftLeft(shifted.AsInt64() + Vector256.Create(DoubleBits.ExponentBias - DoubleBits.ShiftBits), DoubleBits.MantissaBits).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SplitMantissa(Vector256<T> x, out Vector256<T> exponent)
    {
        if (typeof(T) == typeof(float))
        {
            // Offsetting by the bits of √½ makes the exponent field round m into [√½, √2).
            var offset = x.AsInt32() - Vector256.Create(FloatBits.SqrtHalfBits - (FloatBits.ExponentBias << FloatBits.MantissaBits));
            var biased = Vector256.ShiftRightLogical(offset, FloatBits.MantissaBits);
            exponent = ((biased | Vector256.Create(FloatBits.TwoPow23Bits)).AsSingle() - Vector256.Create(FloatBits.TwoPow23 + FloatBits.ExponentBias)).As<float, T>();
            return ((offset & Vector256.Create(FloatBits.MantissaMask)) + Vector256.Create(FloatBits.SqrtHalfBits)).As<int, T>();
        }
        var offsetD = x.AsInt64() - Vector256.Create(DoubleBits.SqrtHalfBits - (DoubleBits.ExponentBias << DoubleBits.MantissaBits));
        var biasedD = Vector256.ShiftRightLogical(offsetD, DoubleBits.MantissaBits);
        exponent = ((biasedD | Vector256.Create(DoubleBits.TwoPow52Bits)).AsDouble() - Vector256.Create(DoubleBits.TwoPow52 + DoubleBits.ExponentBias)).As<double, T>();
        return ((offsetD & Vector256.Create(DoubleBits.MantissaMask)) + Vector256.Create(DoubleBits.SqrtHalfBits)).As<long, T>();
    }

    /// <summary>Index of the first lane whose mask is set, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector256<T> mask)
    {
        uint bits = Vector256.ExtractMostSignificantBits(mask);
        return bits == 0 ? -1 : System.Numerics.BitOperations.TrailingZeroCount(bits);
    }
}
