using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Max pooling over NCHW planes: y[p, oh, ow] = max of the window's real cells (padded cells never win),
/// and argmax[p, oh, ow] = the winner's flat index h·W + w within its input plane.
/// </summary>
/// <remarks>
/// Ties go to the first maximum in row-major window order (the smallest flat index). NaN counts as larger
/// than every number, so a window holding NaN yields NaN (its first NaN), as PyTorch propagates NaN.
/// Every path gives bit-identical values and indices. Windows 2 wide with step 2 and no column padding
/// (the common 2×2 / stride 2 pool, and 1-D pools of 2) take the vector path, up to planes of 2^24 elements;
/// others run scalar.
/// Planes are split over <see cref="KernelThreads"/>. Element types: float and double.
/// </remarks>
public static unsafe class MaxPool2d
{
    /// <summary>Forward pass over <paramref name="planes"/> contiguous planes on <see cref="IsaDispatch.Active"/>.</summary>
    public static void Forward<T>(T* x, long planes, PoolGeometry geometry, T* y, int* argmax) where T : unmanaged =>
        Forward(x, planes, geometry, y, argmax, IsaDispatch.Active);

    /// <summary>Forward pass on the given path.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (see <see cref="PoolGeometry.Problem"/>).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Forward<T>(T* x, long planes, PoolGeometry geometry, T* y, int* argmax, CpuIsa isa) where T : unmanaged
    {
        geometry.Check("MaxPool2d", planes);
        IsaDispatch.Take(isa, "MaxPool2d");
        if (typeof(T) == typeof(float)) Run((float*)x, planes, geometry, (float*)y, argmax, isa);
        else if (typeof(T) == typeof(double)) Run((double*)x, planes, geometry, (double*)y, argmax, isa);
        else throw new NotSupportedException($"MaxPool2d: element type {typeof(T).Name} is not float or double.");
    }

    /// <summary>
    /// Backward pass: dx = 0, then dx[p, argmax[p, o]] += dy[p, o] (overlapping windows accumulate).
    /// One scalar path: a scatter has nothing for vectors to win.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    /// <exception cref="IndexOutOfRangeException">An argmax lies outside its plane.</exception>
    public static void Backward<T>(T* dy, int* argmax, long planes, PoolGeometry geometry, T* dx) where T : unmanaged, INumberBase<T>
    {
        geometry.Check("MaxPool2dBackward", planes);
        int inPlane = geometry.InPlane, outPlane = geometry.OutPlane;
        KernelThreads.ForRange(planes, geometry.Grain, (start, end) =>
        {
            for (long p = start; p < end; p++)
                ScatterPlane(dy + p * outPlane, argmax + p * outPlane, outPlane, dx + p * inPlane, inPlane);
        });
    }

    private static void ScatterPlane<T>(T* dy, int* argmax, int outPlane, T* dx, int inPlane) where T : unmanaged, INumberBase<T>
    {
        new Span<T>(dx, inPlane).Clear();
        for (int o = 0; o < outPlane; o++)
        {
            int at = argmax[o];
            if ((uint)at >= (uint)inPlane)
                throw new IndexOutOfRangeException($"MaxPool2dBackward: argmax {at} is outside a plane of {inPlane} elements.");
            dx[at] += dy[o];
        }
    }

    private static void Run<T>(T* x, long planes, PoolGeometry g, T* y, int* argmax, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.InPlane, outPlane = g.OutPlane;
        KernelThreads.ForRange(planes, g.Grain, (start, end) =>
            Planes(isa, x + start * inPlane, end - start, g, y + start * outPlane, argmax + start * outPlane));
    }

    private static void Planes<T>(CpuIsa isa, T* x, long planes, PoolGeometry g, T* y, int* argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (isa == CpuIsa.Scalar || !g.IsPairColumns || g.InPlane > MaxPool2dVector<T, Vector256<T>, Simd256<T>, PairLanes256<T>>.MaxExactPlane)
            MaxPool2dScalar<T>.Forward(x, planes, g, y, argmax);
        else if (isa == CpuIsa.Avx2)
            MaxPool2dVector<T, Vector256<T>, Simd256<T>, PairLanes256<T>>.Forward(x, planes, g, y, argmax);
        else
            MaxPool2dVector<T, Vector512<T>, Simd512<T>, PairLanes512<T>>.Forward(x, planes, g, y, argmax);
    }
}
