using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// y[i] = f(x[i]; α, β) on a GPU for every <see cref="UnaryOp"/>, with the semantics of
/// <see cref="Unary.Reference{T}"/> (α: LeakyRelu slope, Elu α, Clamp lower bound, PowScalar exponent; β: Clamp
/// upper bound). float and double.
/// </summary>
public static class GpuUnary
{
    /// <summary>
    /// Enqueues y[i] = op(x[i]; α, β) for i &lt; n on the accelerator's default stream (synchronize before reading
    /// y on the host). y may be x.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="op">The function.</param>
    /// <param name="x">Input, at least n elements.</param>
    /// <param name="y">Output, at least n elements.</param>
    /// <param name="n">Element count.</param>
    /// <param name="alpha">α of the op (ignored by ops without one).</param>
    /// <param name="beta">β of the op (ignored by ops without one).</param>
    public static void Apply<T>(Accelerator accelerator, UnaryOp op, ArrayView<T> x, ArrayView<T> y, long n, T alpha, T beta)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "GpuUnary: unknown unary op.");
        if (n < 0 || x.Length < n || y.Length < n)
            throw new ArgumentException($"GpuUnary {op}: n = {n} must be non-negative and fit x (length {x.Length}) and y (length {y.Length}).");
        if (n == 0) return;
        var kernel = ElementType.Pick<T, Action<Index1D, ArrayView<T>, ArrayView<T>, long, int, T, T>>(
            accelerator, nameof(GpuUnary), UnaryKernel<float, GpuFloatMath>.Loaded.On, UnaryKernel<double, GpuDoubleMath>.Loaded.On);
        kernel(GridStride.Threads(n), x, y, n, (int)op, alpha, beta);
    }
}

/// <summary>The unary kernel for one element type.</summary>
internal static class UnaryKernel<T, TMath> where T : unmanaged where TMath : struct, IGpuScalarMath<T>
{
    /// <summary>The kernel, loaded once per accelerator.</summary>
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<T>, long, int, T, T>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, long, int, T, T>(Kernel));

    // Grid-stride: thread t handles t, t + threads, …; the op is uniform across the launch, so the switch does
    // not diverge.
    private static void Kernel(Index1D thread, ArrayView<T> x, ArrayView<T> y, long n, int op, T alpha, T beta)
    {
        long threads = GridStride.Threads(n);
        for (long i = thread; i < n; i += threads)
            y[i] = Evaluate((UnaryOp)op, x[i], alpha, beta);
    }

    /// <summary>One element, as <see cref="Unary.Reference{T}"/>.</summary>
    public static T Evaluate(UnaryOp op, T x, T alpha, T beta)
    {
        TMath m = default;
        T zero = m.Constant(0), one = m.Constant(1);
        switch (op)
        {
            case UnaryOp.Copy: return x;
            case UnaryOp.Neg: return m.Neg(x);
            case UnaryOp.Abs: return m.Abs(x);
            case UnaryOp.Sqrt: return m.Sqrt(x);
            case UnaryOp.Square: return m.Mul(x, x);
            case UnaryOp.Reciprocal: return m.Div(one, x);
            case UnaryOp.Exp: return m.Exp(x);
            case UnaryOp.Log: return m.Log(x);
            case UnaryOp.Tanh: return m.Tanh(x);
            case UnaryOp.Sigmoid: return ElementFunctions.Sigmoid<T, TMath>(x);
            case UnaryOp.Relu: return ElementFunctions.Max<T, TMath>(x, zero);
            case UnaryOp.LeakyRelu: return m.Less(zero, x) ? x : m.Mul(alpha, x);
            case UnaryOp.Elu: return m.Less(zero, x) ? x : m.Mul(alpha, ElementFunctions.ExpM1<T, TMath>(x));
            case UnaryOp.Gelu: // x·Φ(x) = x·erfc(−x/√2)/2
                return m.Mul(m.Mul(m.Constant(0.5), x), ElementFunctions.Erfc<T, TMath>(m.Mul(m.Constant(-0.70710678118654752), x)));
            case UnaryOp.GeluTanh: // 0.5·x·(1 + tanh(u)) = x·σ(2u)
                T cube = m.Mul(m.Mul(x, x), x);
                T u = m.Mul(m.Constant(1.5957691216057308), m.Add(x, m.Mul(m.Constant(0.044715), cube)));
                return m.Mul(x, ElementFunctions.Sigmoid<T, TMath>(u));
            case UnaryOp.Softplus:
                return m.Add(ElementFunctions.Max<T, TMath>(x, zero), ElementFunctions.Log1p<T, TMath>(m.Exp(m.Neg(m.Abs(x)))));
            case UnaryOp.Silu: return Silu(x);
            case UnaryOp.Clamp: return ElementFunctions.Min<T, TMath>(ElementFunctions.Max<T, TMath>(x, alpha), beta);
            case UnaryOp.PowScalar: return m.Pow(x, alpha);
            case UnaryOp.Sign: return m.Less(zero, x) ? one : m.Less(x, zero) ? m.Neg(one) : x;
            default: return m.Constant(double.NaN);
        }
    }

    // x·σ(x); for x < 0 as (x·e^(x/2)/(1 + e^x))·e^(x/2), as the CPU reference, so e^−x never overflows.
    private static T Silu(T x)
    {
        TMath m = default;
        T one = m.Constant(1);
        if (m.LessEqual(m.Constant(0), x) || m.IsNaN(x)) return m.Div(x, m.Add(one, m.Exp(m.Neg(x))));
        T half = m.Exp(m.Mul(m.Constant(0.5), x));
        return m.Mul(m.Div(m.Mul(x, half), m.Add(one, m.Exp(x))), half);
    }
}
