using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Average pooling over NCHW planes: y[p, oh, ow] = (sum of the window's real cells) / divisor, where the
/// divisor is KernelH·KernelW when <c>countIncludePad</c> (PyTorch's default: padded cells count as zeros)
/// and the number of real cells otherwise (what Keras' 'same' padding does).
/// </summary>
/// <remarks>
/// Windows two columns wide with step 2 and no column padding take the vector path, which sums each
/// column down the rows first, so it may differ from the scalar path in the last bits. Planes are split
/// over <see cref="KernelThreads"/>. Element types: float and double.
/// </remarks>
public static unsafe class AvgPool2d
{
    /// <summary>Forward pass over <paramref name="planes"/> contiguous planes on <see cref="IsaDispatch.Active"/>.</summary>
    public static void Forward<T>(T* x, long planes, PoolGeometry geometry, bool countIncludePad, T* y) where T : unmanaged =>
        Forward(x, planes, geometry, countIncludePad, y, IsaDispatch.Active);

    /// <summary>Forward pass on the given path.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (see <see cref="PoolGeometry.Problem"/>).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Forward<T>(T* x, long planes, PoolGeometry geometry, bool countIncludePad, T* y, CpuIsa isa) where T : unmanaged
    {
        geometry.Check("AvgPool2d", planes);
        IsaDispatch.Take(isa, "AvgPool2d");
        if (typeof(T) == typeof(float)) Run((float*)x, planes, geometry, countIncludePad, (float*)y, isa);
        else if (typeof(T) == typeof(double)) Run((double*)x, planes, geometry, countIncludePad, (double*)y, isa);
        else throw new NotSupportedException($"AvgPool2d: element type {typeof(T).Name} is not float or double.");
    }

    /// <summary>
    /// Backward pass (the adjoint): dx = 0, then every real cell of window o receives dy[o] / divisor.
    /// One scalar path per plane.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    public static void Backward<T>(T* dy, long planes, PoolGeometry geometry, bool countIncludePad, T* dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        geometry.Check("AvgPool2dBackward", planes);
        int inPlane = geometry.InPlane, outPlane = geometry.OutPlane;
        KernelThreads.ForRange(planes, geometry.Grain, (start, end) =>
        {
            for (long p = start; p < end; p++)
                AvgPool2dScalar<T>.BackwardPlane(dy + p * outPlane, geometry, countIncludePad, dx + p * inPlane);
        });
    }

    /// <summary>The divisor of the window spanning real rows [h0, h1) and columns [w0, w1).</summary>
    internal static int Divisor(PoolGeometry g, bool countIncludePad, int h0, int h1, int w0, int w1) =>
        countIncludePad ? g.KernelH * g.KernelW : (h1 - h0) * (w1 - w0);

    private static void Run<T>(T* x, long planes, PoolGeometry g, bool countIncludePad, T* y, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.InPlane, outPlane = g.OutPlane;
        KernelThreads.ForRange(planes, g.Grain, (start, end) =>
            Planes(isa, x + start * inPlane, end - start, g, countIncludePad, y + start * outPlane));
    }

    private static void Planes<T>(CpuIsa isa, T* x, long planes, PoolGeometry g, bool countIncludePad, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (isa == CpuIsa.Scalar || !g.IsPairColumns)
            AvgPool2dScalar<T>.Forward(x, planes, g, countIncludePad, y);
        else if (isa == CpuIsa.Avx2)
            AvgPool2dVector<T, Vector256<T>, Simd256<T>, PairLanes256<T>>.Forward(x, planes, g, countIncludePad, y);
        else
            AvgPool2dVector<T, Vector512<T>, Simd512<T>, PairLanes512<T>>.Forward(x, planes, g, countIncludePad, y);
    }
}
