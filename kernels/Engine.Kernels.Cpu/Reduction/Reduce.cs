using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Reduces a contiguous tensor viewed as [outer, length, inner] over its middle axis into y [outer, inner].
/// inner == 1 is the "rows" case (e.g. a last-axis sum), outer == 1 the "columns" case (e.g. a bias gradient).
/// </summary>
/// <remarks>
/// Element types: <see cref="float"/>, <see cref="double"/> and <see cref="int"/> (integer sums wrap).
/// Sums are pairwise, so the rounding error grows with log(length). Max and Min return NaN where the
/// reduced elements contain a NaN. Large inputs are split over <see cref="KernelThreads"/>: over outer
/// when there are enough slices, otherwise over the reduced axis with per-thread partial results.
/// </remarks>
public static unsafe class Reduce
{
    // Below this many input elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>Reduces x [outer, length, inner] over the middle axis into y [outer, inner] on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is 0 for Max or Min, which have no identity.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or int.</exception>
    public static void Apply<T>(ReduceOp op, T* x, long outer, long length, long inner, T* y) where T : unmanaged =>
        Apply(op, x, outer, length, inner, y, IsaDispatch.Active);

    /// <summary>Reduces x [outer, length, inner] over the middle axis into y [outer, inner] on the given path.</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> is 0 for Max or Min, which have no identity.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or int.</exception>
    /// <exception cref="PlatformNotSupportedException"><paramref name="isa"/> is AVX2 on a CPU without it.</exception>
    public static void Apply<T>(ReduceOp op, T* x, long outer, long length, long inner, T* y, CpuIsa isa) where T : unmanaged
    {
        ReductionArguments.CheckShape(x, outer, length, inner, y);
        IsaDispatch.Take(isa, "Reduce");
        if (typeof(T) == typeof(float)) Typed(op, (float*)x, outer, length, inner, (float*)y, isa);
        else if (typeof(T) == typeof(double)) Typed(op, (double*)x, outer, length, inner, (double*)y, isa);
        else if (typeof(T) == typeof(int)) Typed(op, (int*)x, outer, length, inner, (int*)y, isa);
        else throw ReductionArguments.NotSupported<T>("Reduce");
    }

    private static void Typed<T>(ReduceOp op, T* x, long outer, long length, long inner, T* y, CpuIsa isa)
        where T : unmanaged, INumber<T>
    {
        if (outer * inner == 0) return;
        if (length == 0)
        {
            if (op != ReduceOp.Sum)
                throw new ArgumentException($"Reduce {op} over a zero-length axis has no identity.", nameof(length));
            NativeMemory.Clear(y, (nuint)(outer * inner) * (nuint)sizeof(T));
            return;
        }
        switch (op)
        {
            case ReduceOp.Sum: Run<T, SumCombiner>(isa, x, outer, length, inner, y); break;
            case ReduceOp.Max: Run<T, MaxCombiner>(isa, x, outer, length, inner, y); break;
            case ReduceOp.Min: Run<T, MinCombiner>(isa, x, outer, length, inner, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction.");
        }
    }

    private static void Run<T, TOp>(CpuIsa isa, T* x, long outer, long length, long inner, T* y)
        where T : unmanaged, INumber<T> where TOp : IReduceCombiner
    {
        int threads = KernelThreads.Count;
        long slice = length * inner;
        if (threads == 1 || outer * slice < ParallelThreshold)
            Serial<T, TOp>(isa, x, outer, length, inner, y);
        else if (outer >= threads)
            KernelThreads.ForRange(outer, Math.Max(1, ParallelThreshold / slice), (start, end) =>
                Serial<T, TOp>(isa, x + start * slice, end - start, length, inner, y + start * inner));
        else
            for (long o = 0; o < outer; o++)
                SplitLength<T, TOp>(isa, x + o * slice, length, inner, y + o * inner, threads);
    }

    /// <summary>One slice [length, inner] → y [inner], the reduced axis split over threads into partial results.</summary>
    private static void SplitLength<T, TOp>(CpuIsa isa, T* x, long length, long inner, T* y, int threads)
        where T : unmanaged, INumber<T> where TOp : IReduceCombiner
    {
        int chunks = (int)Math.Min(threads, Math.Max(1, length * inner / ParallelThreshold));
        // Chunk starts stay multiples of 64 rows so the vector blocks of the rows case line up.
        long rowsPerChunk = (length + chunks - 1) / chunks + 63 & ~63L;
        chunks = (int)((length + rowsPerChunk - 1) / rowsPerChunk);
        T* partials = (T*)NativeMemory.Alloc((nuint)(chunks * inner), (nuint)sizeof(T));
        try
        {
            KernelThreads.For(chunks, c =>
            {
                long start = c * rowsPerChunk;
                long rows = Math.Min(length, start + rowsPerChunk) - start;
                Serial<T, TOp>(isa, x + start * inner, 1, rows, inner, partials + c * inner);
            });
            new ReadOnlySpan<T>(partials, checked((int)inner)).CopyTo(new Span<T>(y, checked((int)inner)));
            for (int c = 1; c < chunks; c++)
                for (long i = 0; i < inner; i++)
                    y[i] = TOp.Combine(y[i], partials[c * inner + i]);
        }
        finally
        {
            NativeMemory.Free(partials);
        }
    }

    private static void Serial<T, TOp>(CpuIsa isa, T* x, long outer, long length, long inner, T* y)
        where T : unmanaged, INumber<T> where TOp : IReduceCombiner
    {
        switch (isa)
        {
            case CpuIsa.Scalar:
                ReduceScalar<T>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
            case CpuIsa.Avx2:
                ReduceVector<T, Vector256<T>, Simd256<T>>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
            default:
                ReduceVector<T, Vector512<T>, Simd512<T>>.Apply<TOp>(x, (nint)outer, (nint)length, (nint)inner, y);
                break;
        }
    }
}
