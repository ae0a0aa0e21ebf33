using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary><see cref="ISimd{TV,T}"/> on 512-bit vectors: the AVX-512 path (software-emulated where AVX-512 is missing).</summary>
internal readonly unsafe struct Simd512<T> : ISimd<Vector512<T>, T>, IMaskSimd<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> FmaSub(Vector512<T> a, Vector512<T> b, Vector512<T> c) => Fma(a, b, -c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Neg(Vector512<T> a) => -a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MaxFast(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MinFast(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Equal(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> IsNaN(Vector512<T> a) => ~Vector512.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> And(Vector512<T> a, Vector512<T> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Any(Vector512<T> mask) => Vector512.ExtractMostSignificantBits(mask) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Select(Vector512<T> mask, Vector512<T> a, Vector512<T> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SelectBySign(Vector512<T> x, Vector512<T> ifNegative, Vector512<T> otherwise)
    {
        Vector512<T> mask = typeof(T) == typeof(double) || typeof(T) == typeof(long)
            ? Vector512.LessThan(x.AsInt64(), Vector512<long>.Zero).As<long, T>()
            : Vector512.LessThan(x.AsInt32(), Vector512<int>.Zero).As<int, T>();
        return Vector512.ConditionalSelect(mask, ifNegative, otherwise);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Pow2OfShifted(Vector512<T> shifted)
    {
        // shifted = m + 1.5·2^p keeps m in its low bits; add the bias and move it into the exponent field.
        if (typeof(T) == typeof(float))
            return Vector512.ShiftLeft(shifted.AsInt32() + Vector512.Create(FloatBits.ExponentBias - FloatBits.ShiftBits), FloatBits.MantissaBits).As<int, T>();
        return Vector512.ShiftLeft(shifted.AsInt64() + Vector512.Create(DoubleBits.ExponentBias - DoubleBits.ShiftBits), DoubleBits.MantissaBits).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SplitMantissa(Vector512<T> x, out Vector512<T> exponent)
    {
        if (typeof(T) == typeof(float))
        {
            // Offsetting by the bits of √½ makes the exponent field round m into [√½, √2).
            var offset = x.AsInt32() - Vector512.Create(FloatBits.SqrtHalfBits - (FloatBits.ExponentBias << FloatBits.MantissaBits));
            var biased = Vector512.ShiftRightLogical(offset, FloatBits.MantissaBits);
            exponent = ((biased | Vector512.Create(FloatBits.TwoPow23Bits)).AsSingle() - Vector512.Create(FloatBits.TwoPow23 + FloatBits.ExponentBias)).As<float, T>();
            return ((offset & Vector512.Create(FloatBits.MantissaMask)) + Vector512.Create(FloatBits.SqrtHalfBits)).As<int, T>();
        }
        var offsetD = x.AsInt64() - Vector512.Create(DoubleBits.SqrtHalfBits - (DoubleBits.ExponentBias << DoubleBits.MantissaBits));
        var biasedD = Vector512.ShiftRightLogical(offsetD, DoubleBits.MantissaBits);
        exponent = ((biasedD | Vector512.Create(DoubleBits.TwoPow52Bits)).AsDouble() - Vector512.Create(DoubleBits.TwoPow52 + DoubleBits.ExponentBias)).As<double, T>();
        return ((offsetD & Vector512.Create(DoubleBits.MantissaMask)) + Vector512.Create(DoubleBits.SqrtHalfBits)).As<long, T>();
    }

    /// <summary>Index of the first lane whose mask is set, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstSetLane(Vector512<T> mask)
    {
        ulong bits = Vector512.ExtractMostSignificantBits(mask);
        return bits == 0 ? -1 : System.Numerics.BitOperations.TrailingZeroCount(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong MaskBits(Vector512<T> mask) => Vector512.ExtractMostSignificantBits(mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ConditionMask(byte* cond)
    {
        if (sizeof(T) == 1)
            return (~Vector512.Equals(Vector512.Load(cond), Vector512<byte>.Zero)).As<byte, T>();
        if (sizeof(T) == 4)
        {
            // 16 bytes widened to 16 ints in two steps (vpmovzxbd with AVX-512).
            Vector256<ushort> halfWide = Vector256.WidenLower(Vector256.Create(Vector128.Load(cond), Vector128<byte>.Zero));
            Vector512<uint> wide = Vector512.WidenLower(Vector512.Create(halfWide, Vector256<ushort>.Zero));
            return (~Vector512.Equals(wide, Vector512<uint>.Zero)).As<uint, T>();
        }
        Vector128<ushort> w16 = Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)cond).AsByte());
        Vector256<uint> w32 = Vector256.WidenLower(Vector256.Create(w16, Vector128<ushort>.Zero));
        Vector512<ulong> w64 = Vector512.WidenLower(Vector512.Create(w32, Vector256<uint>.Zero));
        return (~Vector512.Equals(w64, Vector512<ulong>.Zero)).As<ulong, T>();
    }
}
