using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>One vector function y = f(a, b), as a type so the loop around it is specialised and inlined.</summary>
internal interface IBinaryKernel<TV>
{
    static abstract TV Apply(TV a, TV b);
}

/// <summary>Where a binary operand's vectors come from: a contiguous row or one broadcast scalar.</summary>
internal unsafe interface IOperand<T, TV> where T : unmanaged
{
    static abstract TV Load(T* p, long i);
}

/// <summary>The vector loops of <see cref="Binary"/> (float/double; int for + − × max min) for one vector width.</summary>
internal static unsafe class BinaryVector<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>
{
    public static void Apply(BinaryOp op, T* a, long aStride, T* b, long bStride, T* y, long n)
    {
        switch (op)
        {
            case BinaryOp.Add: WithStrides<Add>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.Sub: WithStrides<Sub>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.Mul: WithStrides<Mul>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.Div: WithStrides<Div>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.Max: WithStrides<Max>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.Min: WithStrides<Min>(a, aStride, b, bStride, y, n); break;
            case BinaryOp.MaskPositive: WithStrides<MaskPositive>(a, aStride, b, bStride, y, n); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "No vector form of this binary op.");
        }
    }

    private static void WithStrides<K>(T* a, long aStride, T* b, long bStride, T* y, long n) where K : IBinaryKernel<TV>
    {
        if (aStride == 1 && bStride == 1) Run<K, Row, Row>(a, b, y, n);
        else if (aStride == 1) Run<K, Row, Scalar>(a, b, y, n);
        else if (bStride == 1) Run<K, Scalar, Row>(a, b, y, n);
        else Run<K, Scalar, Scalar>(a, b, y, n);
    }

    /// <summary>Two vectors per step, then one, then the tail through stack buffers (same code, any aliasing).</summary>
    private static void Run<K, TA, TB>(T* a, T* b, T* y, long n)
        where K : IBinaryKernel<TV> where TA : IOperand<T, TV> where TB : IOperand<T, TV>
    {
        long w = TS.Count, i = 0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            TV r0 = K.Apply(TA.Load(a, i), TB.Load(b, i));
            TV r1 = K.Apply(TA.Load(a, i + w), TB.Load(b, i + w));
            TS.Store(y + i, r0);
            TS.Store(y + i + w, r1);
        }
        for (; i <= n - w; i += w)
            TS.Store(y + i, K.Apply(TA.Load(a, i), TB.Load(b, i)));
        if (i < n)
            RunTail<K, TA, TB>(a, b, y, i, (int)(n - i));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunTail<K, TA, TB>(T* a, T* b, T* y, long start, int count)
        where K : IBinaryKernel<TV> where TA : IOperand<T, TV> where TB : IOperand<T, TV>
    {
        T* bufferA = stackalloc T[TS.Count];
        T* bufferB = stackalloc T[TS.Count];
        for (int j = 0; j < count; j++)
        {
            bufferA[j] = typeof(TA) == typeof(Row) ? a[start + j] : a[0];
            bufferB[j] = typeof(TB) == typeof(Row) ? b[start + j] : b[0];
        }
        TS.Store(bufferA, K.Apply(TS.Load(bufferA), TS.Load(bufferB)));
        for (int j = 0; j < count; j++) y[start + j] = bufferA[j];
    }

    private struct Row : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Load(p + i); }
    private struct Scalar : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Splat(*p); }

    private struct Add : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Add(a, b); }
    private struct Sub : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Sub(a, b); }
    private struct Mul : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Mul(a, b); }
    private struct Div : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Div(a, b); }
    private struct Max : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Max(a, b); }
    private struct Min : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.Min(a, b); }
    private struct MaskPositive : IBinaryKernel<TV> { public static TV Apply(TV a, TV b) => TS.And(TS.GreaterThan(b, default), a); }
}
