using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>y[i] = cond[i·condStride] != 0 ? a[i·aStride] : b[i·bStride] (a "where"); strides 0 broadcast.
/// Vectorised on AVX2 and AVX-512; the scalar loop is the reference.</summary>
public static unsafe class Select
{
    /// <summary>Picks a or b elementwise by a byte mask, for float, double, int or byte.</summary>
    /// <param name="cond">The mask (any non-zero byte selects a).</param>
    /// <param name="condStride">1 (contiguous) or 0 (broadcast cond[0]).</param>
    /// <param name="a">Taken where the mask is set.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Taken where the mask is clear.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output, <paramref name="n"/> elements.</param>
    /// <param name="n">Element count.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double, int or byte.</exception>
    public static void Apply<T>(byte* cond, long condStride, T* a, long aStride, T* b, long bStride, T* y, long n) where T : unmanaged =>
        Apply(cond, condStride, a, aStride, b, bStride, y, n, IsaDispatch.Active);

    /// <summary>Picks a or b elementwise by a byte mask on the path <paramref name="isa"/>.</summary>
    /// <param name="cond">The mask (any non-zero byte selects a).</param>
    /// <param name="condStride">1 (contiguous) or 0 (broadcast cond[0]).</param>
    /// <param name="a">Taken where the mask is set.</param>
    /// <param name="aStride">1 (contiguous) or 0 (broadcast a[0]).</param>
    /// <param name="b">Taken where the mask is clear.</param>
    /// <param name="bStride">1 (contiguous) or 0 (broadcast b[0]).</param>
    /// <param name="y">Output, <paramref name="n"/> elements.</param>
    /// <param name="n">Element count.</param>
    /// <param name="isa">The instruction-set path.</param>
    /// <exception cref="ArgumentException">A stride is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">T is not float, double, int or byte.</exception>
    public static void Apply<T>(byte* cond, long condStride, T* a, long aStride, T* b, long bStride, T* y, long n, CpuIsa isa) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int) && typeof(T) != typeof(byte))
            throw new NotSupportedException($"{nameof(Select)} supports float, double, int and byte, not {typeof(T).Name}.");
        Strides.RequireUnitOrBroadcast(condStride, nameof(condStride));
        Strides.RequireUnitOrBroadcast(aStride, nameof(aStride));
        Strides.RequireUnitOrBroadcast(bStride, nameof(bStride));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        switch (IsaDispatch.Take(isa, nameof(Select)))
        {
            case CpuIsa.Avx2: SelectVector<T, Vector256<T>, Simd256<T>>.Apply(cond, condStride, a, aStride, b, bStride, y, n); return;
            case CpuIsa.Avx512: SelectVector<T, Vector512<T>, Simd512<T>>.Apply(cond, condStride, a, aStride, b, bStride, y, n); return;
        }
        for (long i = 0; i < n; i++)
            y[i] = cond[i * condStride] != 0 ? a[i * aStride] : b[i * bStride];
    }
}
