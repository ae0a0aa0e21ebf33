using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// 2-D upsampling of contiguous H×W planes to OH×OW, and the adjoint of each (the backward pass).
/// <see cref="UpsampleMode.Nearest"/> takes integer factors (OH = sH·H); <see cref="UpsampleMode.Bilinear"/>
/// follows PyTorch's align_corners = false: output cell o samples the input at (o + ½)·(in/out) − ½,
/// clamped below at 0, between the two neighbouring cells (the upper one clamped to the last cell).
/// </summary>
/// <remarks>
/// Nearest with a factor of 2 along W takes a vector path (AVX2 / AVX-512), identical to the scalar one bit
/// for bit. Bilinear is scalar on every path: each output cell is a four-tap blend with per-cell weights,
/// bound by memory traffic rather than arithmetic. Planes are split over <see cref="KernelThreads"/>.
/// </remarks>
public static unsafe class Upsample2d
{
    /// <summary>y[p, oh, ow] = x[p, ⌊oh·H/OH⌋, ⌊ow·W/OW⌋] (nearest) or the bilinear blend; y is [planes, outHeight, outWidth].</summary>
    /// <exception cref="ArgumentException">Non-positive sizes, or nearest with an output that is not a whole multiple of the input.</exception>
    public static void Forward<T>(UpsampleMode mode, T* x, long planes, int height, int width, int outHeight, int outWidth, T* y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Forward(mode, x, planes, height, width, outHeight, outWidth, y, IsaDispatch.Active);

    /// <summary>Forward pass on the given path (see <see cref="Forward{T}(UpsampleMode, T*, long, int, int, int, int, T*)"/>).</summary>
    /// <exception cref="ArgumentException">As for the overload on the active path.</exception>
    public static void Forward<T>(UpsampleMode mode, T* x, long planes, int height, int width, int outHeight, int outWidth, T* y, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("Upsample2d", mode, planes, height, width, outHeight, outWidth);
        IsaDispatch.Take(isa, "Upsample2d");
        long inPlane = (long)height * width, outPlane = (long)outHeight * outWidth;
        if (mode == UpsampleMode.Nearest)
        {
            KernelThreads.ForRange(planes, Grain(inPlane + outPlane), (start, end) =>
            {
                for (long p = start; p < end; p++)
                    UpsampleNearest<T>.ForwardPlane(isa, x + p * inPlane, height, width, outHeight / height, outWidth / width, y + p * outPlane);
            });
            return;
        }
        var rows = Taps(height, outHeight);
        var columns = Taps(width, outWidth);
        KernelThreads.ForRange(planes, Grain(inPlane + outPlane), (start, end) =>
        {
            for (long p = start; p < end; p++) ForwardPlane(x + p * inPlane, width, rows, columns, y + p * outPlane);
        });
    }

    /// <summary>The adjoint of <see cref="Forward{T}(UpsampleMode, T*, long, int, int, int, int, T*)"/>: dx = 0, then each input cell gathers dy times its weight in every output cell it feeds.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Forward{T}(UpsampleMode, T*, long, int, int, int, int, T*)"/>.</exception>
    public static void Backward<T>(UpsampleMode mode, T* dy, long planes, int height, int width, int outHeight, int outWidth, T* dx)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Backward(mode, dy, planes, height, width, outHeight, outWidth, dx, IsaDispatch.Active);

    /// <summary>Backward pass on the given path (see <see cref="Backward{T}(UpsampleMode, T*, long, int, int, int, int, T*)"/>).</summary>
    /// <exception cref="ArgumentException">As for the overload on the active path.</exception>
    public static void Backward<T>(UpsampleMode mode, T* dy, long planes, int height, int width, int outHeight, int outWidth, T* dx, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("Upsample2dBackward", mode, planes, height, width, outHeight, outWidth);
        IsaDispatch.Take(isa, "Upsample2dBackward");
        long inPlane = (long)height * width, outPlane = (long)outHeight * outWidth;
        if (mode == UpsampleMode.Nearest)
        {
            KernelThreads.ForRange(planes, Grain(inPlane + outPlane), (start, end) =>
            {
                for (long p = start; p < end; p++)
                    UpsampleNearest<T>.BackwardPlane(isa, dy + p * outPlane, height, width, outHeight / height, outWidth / width, dx + p * inPlane);
            });
            return;
        }
        var rows = Taps(height, outHeight);
        var columns = Taps(width, outWidth);
        KernelThreads.ForRange(planes, Grain(inPlane + outPlane), (start, end) =>
        {
            for (long p = start; p < end; p++) BackwardPlane(dy + p * outPlane, width, rows, columns, dx + p * inPlane, inPlane);
        });
    }

    /// <summary>Where a bilinear output cell reads along one axis: cells I0 and I1 with weights W0 and W1.</summary>
    internal readonly record struct Tap(int I0, int I1, double W0, double W1);

    /// <summary>
    /// The bilinear taps of every output cell along an axis of <paramref name="length"/> cells stretched to
    /// <paramref name="outLength"/>: source (o + ½)·(in/out) − ½ clamped below at 0; the upper cell clamped to the last.
    /// </summary>
    internal static Tap[] Taps(int length, int outLength)
    {
        var taps = new Tap[outLength];
        double scale = (double)length / outLength;
        for (int o = 0; o < outLength; o++)
        {
            double source = Math.Max((o + 0.5) * scale - 0.5, 0);
            int i0 = Math.Min((int)source, length - 1);
            int i1 = i0 < length - 1 ? i0 + 1 : i0;
            double w1 = source - i0;
            taps[o] = new Tap(i0, i1, 1 - w1, w1);
        }
        return taps;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane<T>(T* x, int width, Tap[] rows, Tap[] columns, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outWidth = columns.Length;
        for (int oh = 0; oh < rows.Length; oh++)
        {
            var r = rows[oh];
            T* top = x + (long)r.I0 * width, bottom = x + (long)r.I1 * width;
            T rw0 = T.CreateTruncating(r.W0), rw1 = T.CreateTruncating(r.W1);
            T* yRow = y + (long)oh * outWidth;
            for (int ow = 0; ow < outWidth; ow++)
            {
                var c = columns[ow];
                T cw0 = T.CreateTruncating(c.W0), cw1 = T.CreateTruncating(c.W1);
                yRow[ow] = rw0 * (cw0 * top[c.I0] + cw1 * top[c.I1]) + rw1 * (cw0 * bottom[c.I0] + cw1 * bottom[c.I1]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPlane<T>(T* dy, int width, Tap[] rows, Tap[] columns, T* dx, long inPlane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        new Span<T>(dx, checked((int)inPlane)).Clear();
        int outWidth = columns.Length;
        for (int oh = 0; oh < rows.Length; oh++)
        {
            var r = rows[oh];
            T* top = dx + (long)r.I0 * width, bottom = dx + (long)r.I1 * width;
            T rw0 = T.CreateTruncating(r.W0), rw1 = T.CreateTruncating(r.W1);
            T* gRow = dy + (long)oh * outWidth;
            for (int ow = 0; ow < outWidth; ow++)
            {
                var c = columns[ow];
                T cw0 = T.CreateTruncating(c.W0), cw1 = T.CreateTruncating(c.W1);
                T g = gRow[ow], gTop = rw0 * g, gBottom = rw1 * g;
                top[c.I0] += cw0 * gTop;
                // Clamped edges carry weight 0 here: skipping keeps ±∞ gradients from becoming NaN.
                if (c.W1 != 0) top[c.I1] += cw1 * gTop;
                if (r.W1 != 0)
                {
                    bottom[c.I0] += cw0 * gBottom;
                    if (c.W1 != 0) bottom[c.I1] += cw1 * gBottom;
                }
            }
        }
    }

    private static long Grain(long planeElements) => Math.Max(1, (1 << 15) / Math.Max(1, planeElements));

    private static void Check(string kernel, UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth)
    {
        if (planes < 0 || height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"{kernel}: sizes must be positive, got {planes} planes of {height}×{width} to {outHeight}×{outWidth}.");
        if (mode is not (UpsampleMode.Nearest or UpsampleMode.Bilinear))
            throw new ArgumentException($"{kernel}: unknown mode {mode}.");
        if (mode == UpsampleMode.Nearest && (outHeight % height != 0 || outWidth % width != 0))
            throw new ArgumentException($"{kernel}: nearest needs whole scale factors, got {height}×{width} to {outHeight}×{outWidth}.");
    }
}
