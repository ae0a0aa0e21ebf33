using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// y[i] = a[i·aStride] op b[i·bStride] ? 1 : 0 for <see cref="CompareOp"/> on float, double or int; a stride
/// of 0 broadcasts a scalar. NaN compares false except under <see cref="CompareOp.NotEqual"/>. Vectorised on
/// AVX2 and AVX-512; the scalar path (per element in double) is the reference.
/// </summary>
public static unsafe class Compare
{
    /// <summary>Compares two operands elementwise into a byte mask.</summary>
    /// <param name="op">The comparison.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output: 1 where the comparison holds, else 0.</param>
    /// <param name="n">Element count.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double or int.</exception>
    public static void Apply<T>(CompareOp op, T* a, long aStride, T* b, long bStride, byte* y, long n) where T : unmanaged =>
        Apply(op, a, aStride, b, bStride, y, n, IsaDispatch.Active);

    /// <summary>Compares two operands elementwise into a byte mask on the path <paramref name="isa"/>.</summary>
    /// <param name="op">The comparison.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output: 1 where the comparison holds, else 0.</param>
    /// <param name="n">Element count.</param>
    /// <param name="isa">The instruction-set path.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double or int.</exception>
    public static void Apply<T>(CompareOp op, T* a, long aStride, T* b, long bStride, byte* y, long n, CpuIsa isa) where T : unmanaged
    {
        ElementTypes.RequireNumeric<T>(nameof(Compare));
        Strides.RequireUnitOrBroadcast(aStride, nameof(aStride));
        Strides.RequireUnitOrBroadcast(bStride, nameof(bStride));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (op is < CompareOp.Equal or > CompareOp.GreaterEqual)
            throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison.");
        switch (IsaDispatch.Take(isa, nameof(Compare)))
        {
            case CpuIsa.Avx2: CompareVector<T, Vector256<T>, Simd256<T>>.Apply(op, a, aStride, b, bStride, y, n); return;
            case CpuIsa.Avx512: CompareVector<T, Vector512<T>, Simd512<T>>.Apply(op, a, aStride, b, bStride, y, n); return;
        }
        switch (op)
        {
            case CompareOp.Equal: Run<Equal, T>(a, aStride, b, bStride, y, n); break;
            case CompareOp.NotEqual: Run<NotEqual, T>(a, aStride, b, bStride, y, n); break;
            case CompareOp.Less: Run<Less, T>(a, aStride, b, bStride, y, n); break;
            case CompareOp.LessEqual: Run<LessEqual, T>(a, aStride, b, bStride, y, n); break;
            case CompareOp.Greater: Run<Greater, T>(a, aStride, b, bStride, y, n); break;
            case CompareOp.GreaterEqual: Run<GreaterEqual, T>(a, aStride, b, bStride, y, n); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison.");
        }
    }

    /// <summary>The per-element definition.</summary>
    /// <param name="op">The comparison.</param>
    /// <param name="a">First operand.</param>
    /// <param name="b">Second operand.</param>
    /// <returns>Whether a op b holds.</returns>
    public static bool Reference<T>(CompareOp op, T a, T b) where T : unmanaged
    {
        ElementTypes.RequireNumeric<T>(nameof(Compare));
        // float, double and int all widen to double exactly, so comparing in double is exact.
        double x = ElementTypes.ToDouble(a), z = ElementTypes.ToDouble(b);
        return op switch
        {
            CompareOp.Equal => x == z,
            CompareOp.NotEqual => x != z,
            CompareOp.Less => x < z,
            CompareOp.LessEqual => x <= z,
            CompareOp.Greater => x > z,
            CompareOp.GreaterEqual => x >= z,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison."),
        };
    }

    private static void Run<K, T>(T* a, long aStride, T* b, long bStride, byte* y, long n)
        where K : IComparison where T : unmanaged
    {
        for (long i = 0; i < n; i++)
            y[i] = K.Holds(ElementTypes.ToDouble(a[i * aStride]), ElementTypes.ToDouble(b[i * bStride])) ? (byte)1 : (byte)0;
    }

    private interface IComparison { static abstract bool Holds(double a, double b); }
    private struct Equal : IComparison { public static bool Holds(double a, double b) => a == b; }
    private struct NotEqual : IComparison { public static bool Holds(double a, double b) => a != b; }
    private struct Less : IComparison { public static bool Holds(double a, double b) => a < b; }
    private struct LessEqual : IComparison { public static bool Holds(double a, double b) => a <= b; }
    private struct Greater : IComparison { public static bool Holds(double a, double b) => a > b; }
    private struct GreaterEqual : IComparison { public static bool Holds(double a, double b) => a >= b; }
}
