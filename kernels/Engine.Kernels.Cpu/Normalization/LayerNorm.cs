using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Layer normalisation of a contiguous tensor viewed as [rows, length]: each row is normalised by its own
/// mean and biased variance, then scaled and shifted elementwise by weight[length] and bias[length].
/// Rows are split over <see cref="KernelThreads"/>; each row is vectorised.
/// </summary>
/// <remarks>
/// Element types: <see cref="float"/> and <see cref="double"/>. Row statistics take one pass (Welford per lane,
/// Chan's merge). The backward's weight and bias gradients sum over rows in fixed chunks of rows whose
/// partial sums are merged in chunk order, so the result does not depend on the thread count.
/// A null weight means 1, a null bias 0.
/// </remarks>
public static unsafe class LayerNorm
{
    private const long ParallelThreshold = 1 << 15;

    // At most this many row chunks (and partial weight/bias gradients) in the backward.
    private const long MaxChunks = 64;

    // A chunk covers at least this many elements, so the partial sums stay cheap next to the work.
    private const long MinChunkElements = 1 << 12;

    /// <summary>The fused forward on <see cref="IsaDispatch.Active"/>; see the overload with a path.</summary>
    public static void Forward<T>(T* x, long rows, long length, T* weight, T* bias, double eps, T* y, T* mean, T* invStd) where T : unmanaged =>
        Forward(x, rows, length, weight, bias, eps, y, mean, invStd, IsaDispatch.Active);

    /// <summary>
    /// y = (x − mean)·invStd·weight + bias per row, where mean and invStd = 1/√(var + eps) are each row's and are
    /// also written to <paramref name="mean"/> and <paramref name="invStd"/> (length rows) for the backward.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Forward<T>(T* x, long rows, long length, T* weight, T* bias, double eps, T* y, T* mean, T* invStd, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "LayerNorm.Forward";
        CheckLayout(kernel, x, rows, length);
        NormalizationArguments.CheckPointer(kernel, y, nameof(y), rows * length);
        NormalizationArguments.CheckPointer(kernel, mean, nameof(mean), rows);
        NormalizationArguments.CheckPointer(kernel, invStd, nameof(invStd), rows);
        NormalizationArguments.CheckEpsilon(kernel, eps);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float)) ForwardOn(isa, (float*)x, rows, length, (float*)weight, (float*)bias, eps, (float*)y, (float*)mean, (float*)invStd);
        else if (typeof(T) == typeof(double)) ForwardOn(isa, (double*)x, rows, length, (double*)weight, (double*)bias, eps, (double*)y, (double*)mean, (double*)invStd);
        else throw ReductionArguments.NotSupported<T>(kernel);
    }

    /// <summary>The fused backward on <see cref="IsaDispatch.Active"/>; see the overload with a path.</summary>
    public static void Backward<T>(T* x, T* dy, long rows, long length, T* mean, T* invStd, T* weight, T* dx, T* dWeight, T* dBias) where T : unmanaged =>
        Backward(x, dy, rows, length, mean, invStd, weight, dx, dWeight, dBias, IsaDispatch.Active);

    /// <summary>
    /// Gradients from dy, with the mean and invStd the forward wrote: per row dx = invStd·(g − mean(g) − x̂·mean(g·x̂))
    /// with g = dy·weight and x̂ = (x − mean)·invStd; dWeight = Σ_rows dy·x̂ and dBias = Σ_rows dy (overwritten).
    /// Any of dx, dWeight, dBias may be null to skip it.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Backward<T>(T* x, T* dy, long rows, long length, T* mean, T* invStd, T* weight, T* dx, T* dWeight, T* dBias, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "LayerNorm.Backward";
        CheckLayout(kernel, x, rows, length);
        NormalizationArguments.CheckPointer(kernel, dy, nameof(dy), rows * length);
        NormalizationArguments.CheckPointer(kernel, mean, nameof(mean), rows);
        NormalizationArguments.CheckPointer(kernel, invStd, nameof(invStd), rows);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float))
            BackwardOn(isa, (float*)x, (float*)dy, rows, length, (float*)mean, (float*)invStd, (float*)weight, (float*)dx, (float*)dWeight, (float*)dBias);
        else if (typeof(T) == typeof(double))
            BackwardOn(isa, (double*)x, (double*)dy, rows, length, (double*)mean, (double*)invStd, (double*)weight, (double*)dx, (double*)dWeight, (double*)dBias);
        else throw ReductionArguments.NotSupported<T>(kernel);
    }

    private static void CheckLayout(string kernel, void* x, long rows, long length)
    {
        NormalizationArguments.CheckSizes(kernel, (nameof(rows), rows), (nameof(length), length));
        NormalizationArguments.CheckPointer(kernel, x, nameof(x), rows * length);
    }

    private static void ForwardOn<T>(CpuIsa isa, T* x, long rows, long length, T* weight, T* bias, double eps, T* y, T* mean, T* invStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar: Forward<T, NormalizationScalar<T>>(x, rows, length, weight, bias, eps, y, mean, invStd); break;
            case CpuIsa.Avx2: Forward<T, NormalizationVector<T, Vector256<T>, Simd256<T>>>(x, rows, length, weight, bias, eps, y, mean, invStd); break;
            default: Forward<T, NormalizationVector<T, Vector512<T>, Simd512<T>>>(x, rows, length, weight, bias, eps, y, mean, invStd); break;
        }
    }

    private static void BackwardOn<T>(CpuIsa isa, T* x, T* dy, long rows, long length, T* mean, T* invStd, T* weight, T* dx, T* dWeight, T* dBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar: Backward<T, NormalizationScalar<T>>(x, dy, rows, length, mean, invStd, weight, dx, dWeight, dBias); break;
            case CpuIsa.Avx2: Backward<T, NormalizationVector<T, Vector256<T>, Simd256<T>>>(x, dy, rows, length, mean, invStd, weight, dx, dWeight, dBias); break;
            default: Backward<T, NormalizationVector<T, Vector512<T>, Simd512<T>>>(x, dy, rows, length, mean, invStd, weight, dx, dWeight, dBias); break;
        }
    }

    private static void Forward<T, TPath>(T* x, long rows, long length, T* weight, T* bias, double eps, T* y, T* mean, T* invStd)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        ForRows(rows, length, (start, end) =>
        {
            for (long r = start; r < end; r++)
            {
                var accumulator = new MomentAccumulator<T>();
                TPath.Accumulate(x + r * length, (nint)length, ref accumulator);
                var moments = accumulator.Total(TPath.Lanes);
                mean[r] = T.CreateTruncating(moments.Mean);
                invStd[r] = T.CreateTruncating(1.0 / Math.Sqrt(moments.Variance + eps));
                TPath.NormalizeRow(x + r * length, (nint)length, mean[r], invStd[r], weight, bias, y + r * length);
            }
        });
    }

    private static void Backward<T, TPath>(T* x, T* dy, long rows, long length, T* mean, T* invStd, T* weight, T* dx, T* dWeight, T* dBias)
        where T : unmanaged, IFloatingPointIeee754<T> where TPath : INormalizationPath<T>
    {
        long rowsPerChunk = Math.Max((rows + MaxChunks - 1) / MaxChunks, (MinChunkElements + length - 1) / Math.Max(1, length));
        long chunks = rows == 0 ? 0 : (rows + rowsPerChunk - 1) / rowsPerChunk;
        // Each chunk sums its rows into its own slice; merging the slices in order keeps the result fixed.
        var weightPartials = dWeight == null ? null : new T[chunks * length];
        var biasPartials = dBias == null ? null : new T[chunks * length];
        fixed (T* weightPartial = weightPartials, biasPartial = biasPartials)
        {
            T* wp = weightPartial, bp = biasPartial;
            KernelThreads.For((int)chunks, chunk =>
            {
                long start = chunk * rowsPerChunk, end = Math.Min(rows, start + rowsPerChunk);
                T* chunkWeight = wp == null ? null : wp + chunk * length;
                T* chunkBias = bp == null ? null : bp + chunk * length;
                for (long r = start; r < end; r++)
                    TPath.RowBackward(x + r * length, dy + r * length, (nint)length, mean[r], invStd[r], weight,
                        dx == null ? null : dx + r * length, chunkWeight, chunkBias);
            });
            if (dWeight != null) MergeChunks(wp, chunks, length, dWeight);
            if (dBias != null) MergeChunks(bp, chunks, length, dBias);
        }
    }

    private static void MergeChunks<T>(T* partials, long chunks, long length, T* total) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (long j = 0; j < length; j++) total[j] = T.Zero;
        for (long chunk = 0; chunk < chunks; chunk++)
            for (long j = 0; j < length; j++) total[j] += partials[chunk * length + j];
    }

    private static void ForRows(long rows, long length, Action<long, long> body)
    {
        if (KernelThreads.Count == 1 || rows * length < ParallelThreshold) body(0, rows);
        else KernelThreads.ForRange(rows, Math.Max(1, ParallelThreshold / Math.Max(1, length)), body);
    }
}
