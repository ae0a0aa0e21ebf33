using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The kernels behind gradient clipping, over contiguous float or double buffers: the sum of squares
/// (for per-tensor and global norms), clamping by value and scaling in place.
/// </summary>
public static unsafe class GradientClipping
{
    // Below this many elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>Σ x² in double on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static double SumOfSquares<T>(T* x, long count) where T : unmanaged => SumOfSquares(x, count, IsaDispatch.Active);

    /// <summary>
    /// Σ x² in double on the given path. Float vector paths square and add in float over blocks of 1024
    /// elements and add the blocks in double; the scalar path adds every square in double. Large buffers are
    /// split over threads into a fixed number of ranges summed in order, so the result is deterministic.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static double SumOfSquares<T>(T* x, long count, CpuIsa isa) where T : unmanaged
    {
        CheckBuffer(x, count, "SumOfSquares");
        IsaDispatch.Take(isa, "SumOfSquares");
        if (typeof(T) == typeof(float)) return SumTyped((float*)x, count, isa);
        if (typeof(T) == typeof(double)) return SumTyped((double*)x, count, isa);
        throw OptimizerUpdate.NotSupported<T>("SumOfSquares");
    }

    /// <summary>x ← min(max(x, min), max) in place on <see cref="IsaDispatch.Active"/>; NaN stays NaN.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="min"/> is above <paramref name="max"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Clamp<T>(T* x, long count, double min, double max) where T : unmanaged => Clamp(x, count, min, max, IsaDispatch.Active);

    /// <summary>x ← min(max(x, min), max) in place on the given path; NaN stays NaN.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="min"/> is above <paramref name="max"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Clamp<T>(T* x, long count, double min, double max, CpuIsa isa) where T : unmanaged
    {
        CheckBuffer(x, count, "Clamp");
        if (!(min <= max))
            throw new ArgumentOutOfRangeException(nameof(min), min, $"Clamp: min ({min}) must not exceed max ({max}).");
        IsaDispatch.Take(isa, "Clamp");
        if (typeof(T) == typeof(float)) ClampTyped((float*)x, count, (float)min, (float)max, isa);
        else if (typeof(T) == typeof(double)) ClampTyped((double*)x, count, min, max, isa);
        else throw OptimizerUpdate.NotSupported<T>("Clamp");
    }

    /// <summary>x ← x·factor in place on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Scale<T>(T* x, long count, double factor) where T : unmanaged => Scale(x, count, factor, IsaDispatch.Active);

    /// <summary>x ← x·factor in place on the given path.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Scale<T>(T* x, long count, double factor, CpuIsa isa) where T : unmanaged
    {
        CheckBuffer(x, count, "Scale");
        IsaDispatch.Take(isa, "Scale");
        if (typeof(T) == typeof(float)) ScaleTyped((float*)x, count, (float)factor, isa);
        else if (typeof(T) == typeof(double)) ScaleTyped((double*)x, count, factor, isa);
        else throw OptimizerUpdate.NotSupported<T>("Scale");
    }

    private static double SumTyped<T>(T* x, long count, CpuIsa isa) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count <= 0) return 0;
        int chunks = (int)Math.Min(KernelThreads.Count, Math.Max(1, count / ParallelThreshold));
        if (chunks == 1) return SerialSum(x, (nint)count, isa);
        long step = (count + chunks - 1) / chunks;
        var partial = new double[chunks];
        KernelThreads.For(chunks, c =>
        {
            long start = c * step, end = Math.Min(count, start + step);
            if (start < end) partial[c] = SerialSum(x + start, (nint)(end - start), isa);
        });
        double total = 0;
        foreach (double p in partial) total += p;
        return total;
    }

    private static double SerialSum<T>(T* x, nint count, CpuIsa isa) where T : unmanaged, IFloatingPointIeee754<T> => isa switch
    {
        CpuIsa.Scalar => UpdateScalar<T>.SumOfSquares(x, count),
        CpuIsa.Avx2 => UpdateVector<T, Vector256<T>, Simd256<T>>.SumOfSquares(x, count),
        _ => UpdateVector<T, Vector512<T>, Simd512<T>>.SumOfSquares(x, count),
    };

    private static void ClampTyped<T>(T* x, long count, T min, T max, CpuIsa isa) where T : unmanaged, IFloatingPointIeee754<T> =>
        OptimizerUpdate.Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.Clamp(x + s, n, min, max); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.Clamp(x + s, n, min, max); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.Clamp(x + s, n, min, max); break;
            }
        });

    private static void ScaleTyped<T>(T* x, long count, T factor, CpuIsa isa) where T : unmanaged, IFloatingPointIeee754<T> =>
        OptimizerUpdate.Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.Scale(x + s, n, factor); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.Scale(x + s, n, factor); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.Scale(x + s, n, factor); break;
            }
        });

    private static void CheckBuffer(void* x, long count, string kernel)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"{kernel}: count must be non-negative.");
        if (count > 0 && x == null) throw new ArgumentNullException(nameof(x), $"{kernel}: the buffer is null.");
    }
}
