using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>One vector function y = f(x; α, β), as a type so the loop around it is specialised and inlined.</summary>
internal interface IUnaryKernel<TV>
{
    static abstract TV Apply(TV x, TV alpha, TV beta);
}

/// <summary>The vector loops of <see cref="Unary"/> for one vector width and element type.</summary>
internal static unsafe class UnaryVector<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<TV, T>
{
    private static TV C(double value) => VectorMath<T, TV, TS>.C(value);

    /// <summary>True where x^α has an exact vector form here (integer powers −1…3); others go scalar.</summary>
    public static bool HasVectorPow(T alpha)
    {
        double a = ElementTypes.ToDouble(alpha);
        return a is -1.0 or 0.0 or 1.0 or 2.0 or 3.0;
    }

    public static void Apply(UnaryOp op, T* x, T* y, long n, T alpha, T beta)
    {
        switch (op)
        {
            case UnaryOp.Copy: Run<Copy>(x, y, n, alpha, beta); break;
            case UnaryOp.Neg: Run<Neg>(x, y, n, alpha, beta); break;
            case UnaryOp.Abs: Run<Abs>(x, y, n, alpha, beta); break;
            case UnaryOp.Sqrt: Run<Sqrt>(x, y, n, alpha, beta); break;
            case UnaryOp.Square: Run<Square>(x, y, n, alpha, beta); break;
            case UnaryOp.Reciprocal: Run<Reciprocal>(x, y, n, alpha, beta); break;
            case UnaryOp.Exp: Run<Exp>(x, y, n, alpha, beta); break;
            case UnaryOp.Log: Run<Log>(x, y, n, alpha, beta); break;
            case UnaryOp.Tanh: Run<Tanh>(x, y, n, alpha, beta); break;
            case UnaryOp.Sigmoid: Run<Sigmoid>(x, y, n, alpha, beta); break;
            case UnaryOp.Relu: Run<Relu>(x, y, n, alpha, beta); break;
            case UnaryOp.LeakyRelu: Run<LeakyRelu>(x, y, n, alpha, beta); break;
            case UnaryOp.Elu: Run<Elu>(x, y, n, alpha, beta); break;
            case UnaryOp.Gelu:
                // Float on AVX2: a written-out, interleaved loop (see GeluAvx2 for why and the numbers).
                if (typeof(T) == typeof(float) && typeof(TS) == typeof(Simd256x2<float>) && GeluAvx2.IsSupported)
                    GeluAvx2.Run((float*)x, (float*)y, n);
                else
                    Run<Gelu>(x, y, n, alpha, beta);
                break;
            case UnaryOp.GeluTanh: Run<GeluTanh>(x, y, n, alpha, beta); break;
            case UnaryOp.Softplus: Run<Softplus>(x, y, n, alpha, beta); break;
            case UnaryOp.Silu: Run<Silu>(x, y, n, alpha, beta); break;
            case UnaryOp.Clamp: Run<Clamp>(x, y, n, alpha, beta); break;
            case UnaryOp.PowScalar: ApplyPow(x, y, n, alpha); break;
            case UnaryOp.Sign: Run<Sign>(x, y, n, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op.");
        }
    }

    private static void ApplyPow(T* x, T* y, long n, T alpha)
    {
        switch (ElementTypes.ToDouble(alpha))
        {
            case -1.0: Run<Reciprocal>(x, y, n, alpha, alpha); break;
            case 0.0: Run<One>(x, y, n, alpha, alpha); break;
            case 1.0: Run<Copy>(x, y, n, alpha, alpha); break;
            case 2.0: Run<Square>(x, y, n, alpha, alpha); break;
            case 3.0: Run<Cube>(x, y, n, alpha, alpha); break;
            default: throw new ArgumentOutOfRangeException(nameof(alpha), "No vector form of this power.");
        }
    }

    /// <summary>
    /// The loop: one TV per step (TV is a pair of vectors, see <see cref="Simd256x2{T}"/> and
    /// <see cref="Simd512x2{T}"/>), then the rest through a stack buffer, so every element goes through the
    /// same vector code (tails match the body bit for bit) and in-place works.
    /// </summary>
    private static void Run<K>(T* x, T* y, long n, T alpha, T beta) where K : IUnaryKernel<TV>
    {
        TV a = TS.Splat(alpha), b = TS.Splat(beta);
        long w = TS.Count, i = 0;
        for (; i <= n - w; i += w)
            TS.Store(y + i, K.Apply(TS.Load(x + i), a, b));
        if (i < n)
            RunTail<K>(x + i, y + i, (int)(n - i), a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RunTail<K>(T* x, T* y, int count, TV a, TV b) where K : IUnaryKernel<TV>
    {
        T* buffer = stackalloc T[TS.Count];
        for (int j = 0; j < count; j++) buffer[j] = x[j];
        TS.Store(buffer, K.Apply(TS.Load(buffer), a, b));
        for (int j = 0; j < count; j++) y[j] = buffer[j];
    }

    private struct Copy : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => x; }
    private struct One : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => C(1.0); }
    private struct Neg : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Neg(x); }
    private struct Abs : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Abs(x); }
    private struct Sqrt : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Sqrt(x); }
    private struct Square : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Mul(x, x); }
    private struct Cube : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Mul(TS.Mul(x, x), x); }
    private struct Reciprocal : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Div(C(1.0), x); }
    private struct Exp : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Exp(x); }
    private struct Log : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Log(x); }
    private struct Tanh : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Tanh(x); }
    private struct Sigmoid : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Sigmoid(x); }
    private struct Relu : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Max(x, C(0.0)); }
    private struct LeakyRelu : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Select(TS.GreaterThan(x, C(0.0)), x, TS.Mul(a, x)); }
    private struct Elu : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Elu(x, a); }
    private struct Gelu : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Gelu(x); }
    private struct GeluTanh : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.GeluTanh(x); }
    private struct Softplus : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Softplus(x); }
    private struct Silu : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => VectorMath<T, TV, TS>.Silu(x); }
    private struct Clamp : IUnaryKernel<TV> { public static TV Apply(TV x, TV a, TV b) => TS.Min(TS.Max(x, a), b); }

    private struct Sign : IUnaryKernel<TV>
    {
        // ±1 by sign; ±0 and NaN fall through unchanged, like the reference.
        public static TV Apply(TV x, TV a, TV b)
        {
            TV zero = C(0.0);
            return TS.Select(TS.GreaterThan(x, zero), C(1.0), TS.Select(TS.LessThan(x, zero), C(-1.0), x));
        }
    }
}
