using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Copies an N-dimensional strided view into another view of the same shape, optionally converting the
/// element type. This is the one kernel behind <c>Contiguous()</c>, casts, concatenation and padding.
/// </summary>
/// <remarks>
/// Strides are in elements and may be zero (broadcast) on the source. Adjacent dimensions that are
/// contiguous in both views are merged first, so a copy between two contiguous views is one block copy.
/// </remarks>
public static unsafe class StridedCopy
{
    /// <summary>Copies <paramref name="src"/> (with <paramref name="srcStrides"/>) into <paramref name="dst"/>.</summary>
    public static void Run<T>(ReadOnlySpan<int> shape, T* src, long[] srcStrides, T* dst, long[] dstStrides)
        where T : unmanaged
    {
        var layout = Layout.Coalesce(shape, srcStrides, dstStrides);
        long n = layout.InnerSize, strideSrc = layout.InnerStride(0), strideDst = layout.InnerStride(1);
        layout.ForEachRow(offsets =>
        {
            T* s = src + offsets[0];
            T* d = dst + offsets[1];
            if (strideSrc == 1 && strideDst == 1)
                Buffer.MemoryCopy(s, d, n * sizeof(T), n * sizeof(T));
            else
                for (long i = 0; i < n; i++) d[i * strideDst] = s[i * strideSrc];
        });
    }

    /// <summary>
    /// Copies with an element conversion: float→int truncates toward zero and saturates, NaN becomes 0,
    /// anything non-zero becomes 1 in a byte (boolean) destination only through the caller's choice of op.
    /// </summary>
    public static void Convert<TSrc, TDst>(ReadOnlySpan<int> shape, TSrc* src, long[] srcStrides, TDst* dst, long[] dstStrides)
        where TSrc : unmanaged, INumberBase<TSrc>
        where TDst : unmanaged, INumberBase<TDst>
    {
        var layout = Layout.Coalesce(shape, srcStrides, dstStrides);
        long n = layout.InnerSize, strideSrc = layout.InnerStride(0), strideDst = layout.InnerStride(1);
        layout.ForEachRow(offsets =>
        {
            TSrc* s = src + offsets[0];
            TDst* d = dst + offsets[1];
            for (long i = 0; i < n; i++)
            {
                TSrc v = s[i * strideSrc];
                d[i * strideDst] = TDst.CreateSaturating(v); // NaN stays NaN in a float, becomes 0 in an int
            }
        });
    }
}
