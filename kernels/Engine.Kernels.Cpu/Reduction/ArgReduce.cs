using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Finds, for a contiguous tensor viewed as [outer, length, inner], the index along the middle axis of the
/// largest or smallest element of each [o, :, i] line, into y [outer, inner] of <see cref="int"/>.
/// </summary>
/// <remarks>
/// Ties give the first index. A NaN counts as the extreme, so the first NaN wins (PyTorch semantics).
/// Element types: <see cref="float"/>, <see cref="double"/>, <see cref="int"/>. Large inputs are split
/// over <see cref="KernelThreads"/> along outer.
/// </remarks>
public static unsafe class ArgReduce
{
    // Below this many input elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>Writes the index of each line's extreme into y [outer, inner] on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is 0: an empty line has no extreme.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or int.</exception>
    public static void Apply<T>(ArgReduceOp op, T* x, long outer, long length, long inner, int* y) where T : unmanaged =>
        Apply(op, x, outer, length, inner, y, IsaDispatch.Active);

    /// <summary>Writes the index of each line's extreme into y [outer, inner] on the given path.</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is 0: an empty line has no extreme.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> exceeds <see cref="int.MaxValue"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or int.</exception>
    /// <exception cref="PlatformNotSupportedException"><paramref name="isa"/> is AVX2 on a CPU without it.</exception>
    public static void Apply<T>(ArgReduceOp op, T* x, long outer, long length, long inner, int* y, CpuIsa isa) where T : unmanaged
    {
        ReductionArguments.CheckShape(x, outer, length, inner, y);
        IsaDispatch.Take(isa, "ArgReduce");
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(length), length, "Indices are int: length must fit in an int.");
        if (typeof(T) == typeof(float)) Typed(op, (float*)x, outer, length, inner, y, isa);
        else if (typeof(T) == typeof(double)) Typed(op, (double*)x, outer, length, inner, y, isa);
        else if (typeof(T) == typeof(int)) Typed(op, (int*)x, outer, length, inner, y, isa);
        else throw ReductionArguments.NotSupported<T>("ArgReduce");
    }

    private static void Typed<T>(ArgReduceOp op, T* x, long outer, long length, long inner, int* y, CpuIsa isa)
        where T : unmanaged, INumber<T>
    {
        if (outer * inner == 0) return;
        if (length == 0)
            throw new ArgumentException($"{op} over a zero-length axis has no answer.", nameof(length));
        switch (op)
        {
            case ArgReduceOp.ArgMax: Run<T, MaxCombiner>(isa, x, outer, length, inner, y); break;
            case ArgReduceOp.ArgMin: Run<T, MinCombiner>(isa, x, outer, length, inner, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown arg-reduction.");
        }
    }

    private static void Run<T, TOp>(CpuIsa isa, T* x, long outer, long length, long inner, int* y)
        where T : unmanaged, INumber<T> where TOp : IReduceCombiner
    {
        long slice = length * inner;
        if (KernelThreads.Count == 1 || outer == 1 || outer * slice < ParallelThreshold)
        {
            Serial<T, TOp>(isa, x, outer, length, inner, y);
            return;
        }
        KernelThreads.ForRange(outer, Math.Max(1, ParallelThreshold / slice), (start, end) =>
            Serial<T, TOp>(isa, x + start * slice, end - start, length, inner, y + start * inner));
    }

    private static void Serial<T, TOp>(CpuIsa isa, T* x, long outer, long length, long inner, int* y)
        where T : unmanaged, INumber<T> where TOp : IReduceCombiner
    {
        switch (isa)
        {
            case CpuIsa.Scalar:
                ArgReduceScalar<T>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
            case CpuIsa.Avx2:
                ArgReduceVector<T, Vector256<T>, Simd256<T>>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
            default:
                ArgReduceVector<T, Vector512<T>, Simd512<T>>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
        }
    }
}
