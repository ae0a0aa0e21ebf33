using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Numerically stable softmax and log-softmax of a contiguous tensor viewed as [outer, length, inner],
/// over the middle axis: y = exp(x − max) / Σ exp(x − max), or log-softmax y = x − max − log Σ exp(x − max).
/// </summary>
/// <remarks>
/// Element types: <see cref="float"/> and <see cref="double"/>. y may be the same buffer as x (in place);
/// partially overlapping buffers are not supported. In the rows case (inner == 1) the exp sums are
/// accumulated in registers over blocks of 4096 and the blocks in double; with inner &gt; 1 each column's sum
/// is accumulated in the element type. Results below e^-87 (float) / e^-708 (double) of the line's
/// largest term are flushed to 0 (<see cref="VectorMath{T,TV,TS}.ExpOfNonPositive"/> produces no subnormals). Like PyTorch, a line whose elements are all −∞, or that holds +∞ or NaN, comes out all
/// NaN (−∞ − −∞ is NaN). Large inputs are split over <see cref="KernelThreads"/> along outer, or
/// along inner when there are fewer slices than threads.
/// </remarks>
public static unsafe class Softmax
{
    // Below this many input elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Softmax (or log-softmax when <paramref name="log"/>) over the middle axis on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Apply<T>(T* x, long outer, long length, long inner, T* y, bool log) where T : unmanaged =>
        Apply(x, outer, length, inner, y, log, IsaDispatch.Active);

    /// <summary>Softmax (or log-softmax when <paramref name="log"/>) over the middle axis on the given path.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    /// <exception cref="PlatformNotSupportedException"><paramref name="isa"/> is AVX2 on a CPU without it.</exception>
    public static void Apply<T>(T* x, long outer, long length, long inner, T* y, bool log, CpuIsa isa) where T : unmanaged
    {
        ReductionArguments.CheckShape(x, outer, length, inner, y);
        IsaDispatch.Take(isa, "Softmax");
        if (typeof(T) == typeof(float)) Run((float*)x, outer, length, inner, (float*)y, log, isa);
        else if (typeof(T) == typeof(double)) Run((double*)x, outer, length, inner, (double*)y, log, isa);
        else throw ReductionArguments.NotSupported<T>("Softmax");
    }

    private static void Run<T>(T* x, long outer, long length, long inner, T* y, bool log, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long slice = length * inner;
        if (slice == 0 || outer == 0) return;
        int threads = KernelThreads.Count;
        if (threads == 1 || outer * slice < ParallelThreshold)
            Serial(isa, x, outer, length, inner, y, log);
        else if (outer >= threads || inner == 1)
            KernelThreads.ForRange(outer, Math.Max(1, ParallelThreshold / slice), (start, end) =>
                Serial(isa, x + start * slice, end - start, length, inner, y + start * slice, log));
        else
            // Few slices but wide ones (e.g. softmax over the first axis): split the columns instead.
            for (long o = 0; o < outer; o++)
            {
                T* xSlice = x + o * slice, ySlice = y + o * slice;
                KernelThreads.ForRange(inner, Math.Max(1, ParallelThreshold / length), (start, end) =>
                    SerialColumns(isa, xSlice + start, length, inner, end - start, ySlice + start, log));
            }
    }

    private static void SerialColumns<T>(CpuIsa isa, T* x, long length, long stride, long width, T* y, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar:
                SoftmaxScalar<T>.Columns(x, (nint)length, (nint)stride, (nint)width, y, log);
                break;
            case CpuIsa.Avx2:
                SoftmaxVector<T, Vector256<T>, Simd256<T>>.Columns(x, (nint)length, (nint)stride, (nint)width, y, log);
                break;
            default:
                SoftmaxVector<T, Vector512<T>, Simd512<T>>.Columns(x, (nint)length, (nint)stride, (nint)width, y, log);
                break;
        }
    }

    private static void Serial<T>(CpuIsa isa, T* x, long outer, long length, long inner, T* y, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar:
                SoftmaxScalar<T>.Apply(x, (nint)outer, (nint)length, (nint)inner, y, log);
                break;
            case CpuIsa.Avx2:
                SoftmaxVector<T, Vector256<T>, Simd256<T>>.Apply(x, (nint)outer, (nint)length, (nint)inner, y, log);
                break;
            default:
                SoftmaxVector<T, Vector512<T>, Simd512<T>>.Apply(x, (nint)outer, (nint)length, (nint)inner, y, log);
                break;
        }
    }
}
