using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on 256-bit vectors: the AVX2+FMA path.</summary>
internal readonly unsafe struct Simd256<T> : ISimd<Vector256<T>, T>, IMaskSimd<Vector256<T>, T> where T : unmanaged
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FmaSub(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Fma.MultiplySubtract(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && typeof(T) == typeof(double))
            return System.Runtime.Intrinsics.X86.Fma.MultiplySubtract(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return Simd256<T>.Fma(a, b, -c);
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

    /// <summary>One vblendv (the lanes of a comparison mask are all-ones or zero, so its sign bit decides) instead of and/andnot/or.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Select(Vector256<T> mask, Vector256<T> a, Vector256<T> b) =>
        typeof(T) == typeof(float) || typeof(T) == typeof(double) ? SelectBySign(mask, a, b) : Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SelectBySign(Vector256<T> x, Vector256<T> ifNegative, Vector256<T> otherwise)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float))
            return Avx.BlendVariable(otherwise.AsSingle(), ifNegative.AsSingle(), x.AsSingle()).As<float, T>();
        if (Avx.IsSupported && typeof(T) == typeof(double))
            return Avx.BlendVariable(otherwise.AsDouble(), ifNegative.AsDouble(), x.AsDouble()).As<double, T>();
        return Vector256.ConditionalSelect(SignMask(x), ifNegative, otherwise);
    }

    /// <summary>All-ones in the lanes whose sign bit is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> SignMask(Vector256<T> x)
    {
        if (typeof(T) == typeof(double) || typeof(T) == typeof(long))
            return Vector256.LessThan(x.AsInt64(), Vector256<long>.Zero).As<long, T>();
        return Vector256.LessThan(x.AsInt32(), Vector256<int>.Zero).As<int, T>();
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong MaskBits(Vector256<T> mask) => Vector256.ExtractMostSignificantBits(mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ConditionMask(byte* cond)
    {
        if (sizeof(T) == 1)
            return (~Vector256.Equals(Vector256.Load(cond), Vector256<byte>.Zero)).As<byte, T>();
        if (sizeof(T) == 4)
        {
            // vpmovzxbd: eight bytes straight from memory into eight int lanes.
            Vector256<int> wide = Avx2.IsSupported
                ? Avx2.ConvertToVector256Int32(cond)
                : Vector256.Create((int)cond[0], cond[1], cond[2], cond[3], cond[4], cond[5], cond[6], cond[7]);
            return (~Vector256.Equals(wide, Vector256<int>.Zero)).As<int, T>();
        }
        Vector256<long> wideD = Avx2.IsSupported
            ? Avx2.ConvertToVector256Int64(cond)
            : Vector256.Create((long)cond[0], cond[1], cond[2], cond[3]);
        return (~Vector256.Equals(wideD, Vector256<long>.Zero)).As<long, T>();
    }
}
