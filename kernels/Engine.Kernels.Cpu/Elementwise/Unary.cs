using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// y[i] = f(x[i]) for the functions of <see cref="UnaryOp"/>, on float or double, vectorised for AVX2 and
/// AVX-512 and split over <see cref="KernelThreads"/> for long inputs. x and y may be the same buffer.
/// </summary>
public static unsafe class Unary
{
    /// <summary>Elements per thread chunk: below ~2 chunks, threading costs more than it saves.</summary>
    private const long Grain = 32 * 1024;

    /// <summary>Applies <paramref name="op"/> on the active path (<see cref="IsaDispatch.Active"/>).</summary>
    /// <param name="op">The function.</param>
    /// <param name="x">Input, <paramref name="n"/> elements.</param>
    /// <param name="y">Output, <paramref name="n"/> elements; may equal <paramref name="x"/>.</param>
    /// <param name="n">Element count.</param>
    /// <param name="alpha">α of <see cref="UnaryOp.LeakyRelu"/>, <see cref="UnaryOp.Elu"/>, <see cref="UnaryOp.Clamp"/> (min), <see cref="UnaryOp.PowScalar"/>.</param>
    /// <param name="beta">β of <see cref="UnaryOp.Clamp"/> (max).</param>
    /// <exception cref="NotSupportedException">T is not float or double.</exception>
    public static void Apply<T>(UnaryOp op, T* x, T* y, long n, T alpha, T beta) where T : unmanaged =>
        Apply(op, x, y, n, alpha, beta, IsaDispatch.Active);

    /// <summary>Applies <paramref name="op"/> on the path <paramref name="isa"/> (AVX2 degrades to scalar where missing).</summary>
    /// <param name="op">The function.</param>
    /// <param name="x">Input, <paramref name="n"/> elements.</param>
    /// <param name="y">Output, <paramref name="n"/> elements; may equal <paramref name="x"/>.</param>
    /// <param name="n">Element count.</param>
    /// <param name="alpha">α of the op (see <see cref="UnaryOp"/>).</param>
    /// <param name="beta">β of the op (see <see cref="UnaryOp"/>).</param>
    /// <param name="isa">The instruction-set path.</param>
    /// <exception cref="NotSupportedException">T is not float or double.</exception>
    public static void Apply<T>(UnaryOp op, T* x, T* y, long n, T alpha, T beta, CpuIsa isa) where T : unmanaged
    {
        ElementTypes.RequireFloatingPoint<T>(nameof(Unary));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        isa = IsaDispatch.Take(isa, nameof(Unary));
        if (n < 2 * Grain || KernelThreads.Count == 1)
        {
            ApplyRange(op, x, y, n, alpha, beta, isa);
            return;
        }
        nint px = (nint)x, py = (nint)y;
        KernelThreads.ForRange(n, Grain, (start, end) =>
            ApplyRange(op, (T*)px + start, (T*)py + start, end - start, alpha, beta, isa));
    }

    /// <summary>Span form of <see cref="Apply{T}(UnaryOp, T*, T*, long, T, T)"/> on the active path.</summary>
    /// <param name="op">The function.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, at least as long as <paramref name="x"/>; may overlap it exactly.</param>
    /// <param name="alpha">α of the op.</param>
    /// <param name="beta">β of the op.</param>
    public static void Apply<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y, T alpha = default, T beta = default) where T : unmanaged =>
        Apply(op, x, y, alpha, beta, IsaDispatch.Active);

    /// <summary>Span form of <see cref="Apply{T}(UnaryOp, T*, T*, long, T, T, CpuIsa)"/>.</summary>
    /// <param name="op">The function.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, at least as long as <paramref name="x"/>; may overlap it exactly.</param>
    /// <param name="alpha">α of the op.</param>
    /// <param name="beta">β of the op.</param>
    /// <param name="isa">The instruction-set path.</param>
    public static void Apply<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y, T alpha, T beta, CpuIsa isa) where T : unmanaged
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"Output holds {y.Length} elements, input {x.Length}.", nameof(y));
        fixed (T* px = x)
        fixed (T* py = y)
            Apply(op, px, py, x.Length, alpha, beta, isa);
    }

    /// <summary>
    /// The per-element definition, evaluated in double with <see cref="Math"/>: the oracle the vector paths
    /// are tested against, and the scalar path itself.
    /// </summary>
    /// <param name="op">The function.</param>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α of the op.</param>
    /// <param name="beta">β of the op.</param>
    /// <returns>f(x) rounded to T.</returns>
    public static T Reference<T>(UnaryOp op, T x, T alpha, T beta) where T : unmanaged
    {
        ElementTypes.RequireFloatingPoint<T>(nameof(Unary));
        return ElementTypes.FromDouble<T>(ReferenceDouble(op, ElementTypes.ToDouble(x),
            ElementTypes.ToDouble(alpha), ElementTypes.ToDouble(beta)));
    }

    /// <summary>f(x) in double precision (unrounded to T): what accuracy tests compare against.</summary>
    internal static double ReferenceDouble(UnaryOp op, double x, double alpha, double beta) => op switch
    {
        UnaryOp.Copy => x,
        UnaryOp.Neg => -x,
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Square => x * x,
        UnaryOp.Reciprocal => 1.0 / x,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Sigmoid => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x)),
        UnaryOp.Relu => double.IsNaN(x) ? x : Math.Max(x, 0.0),
        UnaryOp.LeakyRelu => x > 0 ? x : alpha * x,
        UnaryOp.Elu => x > 0 ? x : alpha * ReferenceMath.ExpM1(x),
        UnaryOp.Gelu => ReferenceMath.Gelu(x),
        // 0.5·(1 + tanh u) = σ(2u): the same function without the cancellation of 1 + tanh u for u ≪ 0.
        UnaryOp.GeluTanh => x * ReferenceDouble(UnaryOp.Sigmoid, 2 * Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x), 0, 0),
        UnaryOp.Softplus => Math.Max(x, 0.0) + ReferenceMath.Log1p(Math.Exp(-Math.Abs(x))),
        UnaryOp.Silu => ReferenceMath.Silu(x),
        UnaryOp.Clamp => Math.Min(Math.Max(x, alpha), beta),
        UnaryOp.PowScalar => Math.Pow(x, alpha),
        UnaryOp.Sign => x > 0 ? 1.0 : x < 0 ? -1.0 : x,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op."),
    };

    private static void ApplyRange<T>(UnaryOp op, T* x, T* y, long n, T alpha, T beta, CpuIsa isa) where T : unmanaged
    {
        if (op == UnaryOp.PowScalar && !UnaryVector<T, Vector256x2<T>, Simd256x2<T>>.HasVectorPow(alpha))
            isa = CpuIsa.Scalar;
        switch (isa)
        {
            case CpuIsa.Avx2: UnaryVector<T, Vector256x2<T>, Simd256x2<T>>.Apply(op, x, y, n, alpha, beta); break;
            case CpuIsa.Avx512: UnaryVector<T, Vector512x2<T>, Simd512x2<T>>.Apply(op, x, y, n, alpha, beta); break;
            default: ApplyScalar(op, x, y, n, alpha, beta); break;
        }
    }

    private static void ApplyScalar<T>(UnaryOp op, T* x, T* y, long n, T alpha, T beta) where T : unmanaged
    {
        double a = ElementTypes.ToDouble(alpha), b = ElementTypes.ToDouble(beta);
        for (long i = 0; i < n; i++)
            y[i] = ElementTypes.FromDouble<T>(ReferenceDouble(op, ElementTypes.ToDouble(x[i]), a, b));
    }
}
