using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// y[i] = f(a[i·aStride], b[i·bStride]) for <see cref="BinaryOp"/>; a stride of 0 broadcasts a scalar.
/// float, double and int are vectorised (AVX2, AVX-512; int + − × wrap like unchecked C#); int
/// <see cref="BinaryOp.Div"/> and <see cref="BinaryOp.Pow"/> run scalar.
/// y may be the same buffer as a contiguous operand.
/// </summary>
public static unsafe class Binary
{
    private const long Grain = 32 * 1024;

    /// <summary>Applies <paramref name="op"/> on the active path.</summary>
    /// <param name="op">The function.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output, <paramref name="n"/> elements.</param>
    /// <param name="n">Element count.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double or int, or Pow on int.</exception>
    public static void Apply<T>(BinaryOp op, T* a, long aStride, T* b, long bStride, T* y, long n) where T : unmanaged =>
        Apply(op, a, aStride, b, bStride, y, n, IsaDispatch.Active);

    /// <summary>Applies <paramref name="op"/> on the path <paramref name="isa"/>.</summary>
    /// <param name="op">The function.</param>
    /// <param name="a">First operand.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Second operand.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output, <paramref name="n"/> elements.</param>
    /// <param name="n">Element count.</param>
    /// <param name="isa">The instruction-set path.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double or int, or Pow on int.</exception>
    public static void Apply<T>(BinaryOp op, T* a, long aStride, T* b, long bStride, T* y, long n, CpuIsa isa) where T : unmanaged
    {
        ElementTypes.RequireNumeric<T>(nameof(Binary));
        if (typeof(T) == typeof(int) && op == BinaryOp.Pow)
            throw new NotSupportedException("Binary Pow supports float and double, not Int32.");
        Strides.RequireUnitOrBroadcast(aStride, nameof(aStride));
        Strides.RequireUnitOrBroadcast(bStride, nameof(bStride));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        isa = IsaDispatch.Take(isa, nameof(Binary));
        if (n < 2 * Grain || KernelThreads.Count == 1)
        {
            ApplyRange(op, a, aStride, b, bStride, y, n, isa);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, py = (nint)y;
        KernelThreads.ForRange(n, Grain, (start, end) =>
            ApplyRange(op, (T*)pa + start * aStride, aStride, (T*)pb + start * bStride, bStride, (T*)py + start, end - start, isa));
    }

    /// <summary>The per-element definition (float/double via double <see cref="Math"/>, int exactly).</summary>
    /// <param name="op">The function.</param>
    /// <param name="a">First operand.</param>
    /// <param name="b">Second operand.</param>
    /// <returns>f(a, b).</returns>
    public static T Reference<T>(BinaryOp op, T a, T b) where T : unmanaged
    {
        ElementTypes.RequireNumeric<T>(nameof(Binary));
        if (typeof(T) == typeof(int))
        {
            int r = ReferenceInt(op, (int)ElementTypes.ToDouble(a), (int)ElementTypes.ToDouble(b));
            return System.Runtime.CompilerServices.Unsafe.As<int, T>(ref r);
        }
        return ElementTypes.FromDouble<T>(ReferenceDouble(op, ElementTypes.ToDouble(a), ElementTypes.ToDouble(b)));
    }

    private static double ReferenceDouble(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Pow => Math.Pow(a, b),
        BinaryOp.Max => Math.Max(a, b),
        BinaryOp.Min => Math.Min(a, b),
        BinaryOp.MaskPositive => b > 0 ? a : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op."),
    };

    private static int ReferenceInt(BinaryOp op, int a, int b) => op switch
    {
        BinaryOp.Add => unchecked(a + b),
        BinaryOp.Sub => unchecked(a - b),
        BinaryOp.Mul => unchecked(a * b),
        BinaryOp.Div => a / b,
        BinaryOp.Max => Math.Max(a, b),
        BinaryOp.Min => Math.Min(a, b),
        BinaryOp.MaskPositive => b > 0 ? a : 0,
        _ => throw new NotSupportedException($"Binary {op} supports float and double, not Int32."),
    };

    private static void ApplyRange<T>(BinaryOp op, T* a, long aStride, T* b, long bStride, T* y, long n, CpuIsa isa) where T : unmanaged
    {
        // Pow has no vector form; neither has int division (x86 has none, and division by zero must throw).
        if (op == BinaryOp.Pow || (typeof(T) == typeof(int) && op == BinaryOp.Div)) isa = CpuIsa.Scalar;
        switch (isa)
        {
            case CpuIsa.Avx2: BinaryVector<T, Vector256<T>, Simd256<T>>.Apply(op, a, aStride, b, bStride, y, n); break;
            case CpuIsa.Avx512: BinaryVector<T, Vector512<T>, Simd512<T>>.Apply(op, a, aStride, b, bStride, y, n); break;
            default: ApplyScalar(op, a, aStride, b, bStride, y, n); break;
        }
    }

    private static void ApplyScalar<T>(BinaryOp op, T* a, long aStride, T* b, long bStride, T* y, long n) where T : unmanaged
    {
        for (long i = 0; i < n; i++)
            y[i] = Reference(op, a[i * aStride], b[i * bStride]);
    }
}
