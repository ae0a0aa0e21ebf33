namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector loops of <see cref="Select"/> (float, double, int, byte) for one vector width: the condition
/// bytes widened to a lane mask (vpmovzx on AVX2), then one blend. Strides 0/1 for all three operands; the
/// last partial vector goes through the scalar loop.
/// </summary>
internal static unsafe class SelectVector<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>, IMaskSimd<TV, T>
{
    public static void Apply(byte* cond, long condStride, T* a, long aStride, T* b, long bStride, T* y, long n)
    {
        long end;
        if (condStride == 1)
        {
            if (aStride == 1 && bStride == 1) end = Run<RowCondition, Row, Row>(cond, a, b, y, n);
            else if (aStride == 1) end = Run<RowCondition, Row, Scalar>(cond, a, b, y, n);
            else if (bStride == 1) end = Run<RowCondition, Scalar, Row>(cond, a, b, y, n);
            else end = Run<RowCondition, Scalar, Scalar>(cond, a, b, y, n);
        }
        else
        {
            // One condition for the whole row: a copy (or fill) of the chosen operand.
            if (cond[0] != 0) end = aStride == 1 ? Run<Always, Row, Scalar>(cond, a, b, y, n) : Run<Always, Scalar, Scalar>(cond, a, b, y, n);
            else end = bStride == 1 ? Run<Never, Scalar, Row>(cond, a, b, y, n) : Run<Never, Scalar, Scalar>(cond, a, b, y, n);
        }
        for (long i = end; i < n; i++)
            y[i] = cond[i * condStride] != 0 ? a[i * aStride] : b[i * bStride];
    }

    /// <summary>Whole vectors only; returns where the scalar remainder starts.</summary>
    private static long Run<TC, TA, TB>(byte* cond, T* a, T* b, T* y, long n)
        where TC : ICondition where TA : IOperand<T, TV> where TB : IOperand<T, TV>
    {
        long w = TS.Count, i = 0;
        for (; i <= n - w; i += w)
        {
            TV r = typeof(TC) == typeof(Always) ? TA.Load(a, i)
                : typeof(TC) == typeof(Never) ? TB.Load(b, i)
                : TS.Select(TS.ConditionMask(cond + i), TA.Load(a, i), TB.Load(b, i));
            TS.Store(y + i, r);
        }
        return i;
    }

    private interface ICondition;
    private struct RowCondition : ICondition;
    private struct Always : ICondition;
    private struct Never : ICondition;

    private struct Row : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Load(p + i); }
    private struct Scalar : IOperand<T, TV> { public static TV Load(T* p, long i) => TS.Splat(*p); }
}
