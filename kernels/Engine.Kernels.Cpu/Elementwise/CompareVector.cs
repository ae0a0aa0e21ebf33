using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>One vector comparison into a lane mask, as a type so the loop around it is specialised.</summary>
internal interface ICompareKernel<TV>
{
    static abstract TV Mask(TV a, TV b);
    /// <summary>True where the result is the complement of <see cref="Mask"/> (NotEqual = not Equal, NaN included).</summary>
    static abstract bool Negated { get; }
}

/// <summary>
/// The vector loops of <see cref="Compare"/> (float, double, int) for one vector width: compare, take the
/// mask's sign bits (one movemask), expand them to 0/1 bytes by table. Strides 0/1 as in
/// <see cref="BinaryVector{T,TV,TS}"/>; the last partial vector goes through the scalar reference.
/// </summary>
internal static unsafe class CompareVector<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>, IMaskSimd<TV, T>
{
    public static void Apply(CompareOp op, T* a, long aStride, T* b, long bStride, byte* y, long n)
    {
        switch (op)
        {
            case CompareOp.Equal: WithStrides<Equal>(op, a, aStride, b, bStride, y, n); break;
            case CompareOp.NotEqual: WithStrides<NotEqual>(op, a, aStride, b, bStride, y, n); break;
            case CompareOp.Less: WithStrides<Less>(op, a, aStride, b, bStride, y, n); break;
            case CompareOp.LessEqual: WithStrides<LessEqual>(op, a, aStride, b, bStride, y, n); break;
            case CompareOp.Greater: WithStrides<Greater>(op, a, aStride, b, bStride, y, n); break;
            case CompareOp.GreaterEqual: WithStrides<GreaterEqual>(op, a, aStride, b, bStride, y, n); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison.");
        }
    }

    private static void WithStrides<K>(CompareOp op, T* a, long aStride, T* b, long bStride, byte* y, long n) where K : ICompareKernel<TV>
    {
        long vectorEnd;
        if (aStride == 1 && bStride == 1) vectorEnd = Run<K, Row, Row>(a, b, y, n);
        else if (aStride == 1) vectorEnd = Run<K, Row, Scalar>(a, b, y, n);
        else if (bStride == 1) vectorEnd = Run<K, Scalar, Row>(a, b, y, n);
        else vectorEnd = Run<K, Scalar, Scalar>(a, b, y, n);
        for (long i = vectorEnd; i < n; i++)
            y[i] = Compare.Reference(op, a[i * aStride], b[i * bStride]) ? (byte)1 : (byte)0;
    }

    /// <summary>Whole vectors only; returns where the scalar remainder starts.</summary>
    private static long Run<K, TA, TB>(T* a, T* b, byte* y, long n)
        where K : ICompareKernel<TV> where TA : IOperand<T, TV> where TB : IOperand<T, TV>
    {
        int w = TS.Count;
        ulong all = w == 64 ? ulong.MaxValue : (1UL << w) - 1;
        long i = 0;
        for (; i <= n - w; i += w)
        {
            ulong bits = TS.MaskBits(K.Mask(TA.Load(a, i), TB.Load(b, i)));
            MaskBytes.Store(y + i, K.Negated ? bits ^ all : bits, w);
        }
        return i;
    }

    private struct Row : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Load(p + i); }
    private struct Scalar : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Splat(*p); }

    private struct Equal : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.Equal(a, b); public static bool Negated => false; }
    private struct NotEqual : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.Equal(a, b); public static bool Negated => true; }
    private struct Less : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.LessThan(a, b); public static bool Negated => false; }
    private struct LessEqual : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.LessOrEqual(a, b); public static bool Negated => false; }
    private struct Greater : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.GreaterThan(a, b); public static bool Negated => false; }
    private struct GreaterEqual : ICompareKernel<TV> { public static TV Mask(TV a, TV b) => TS.LessOrEqual(b, a); public static bool Negated => false; }
}
