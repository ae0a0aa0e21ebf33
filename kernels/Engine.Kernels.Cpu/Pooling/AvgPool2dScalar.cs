using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar average pooling: the reference the vector path is tested against, and the backward pass.</summary>
internal static unsafe class AvgPool2dScalar<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(T* x, long planes, PoolGeometry g, bool countIncludePad, T* y)
    {
        int outW = g.OutWidth;
        for (long p = 0; p < planes; p++)
        {
            T* xp = x + p * g.InPlane;
            T* yp = y + p * g.OutPlane;
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = g.Rows(oh);
                for (int ow = 0; ow < outW; ow++)
                {
                    var (w0, w1) = g.Columns(ow);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++)
                            sum += xp[h * g.Width + w];
                    yp[oh * outW + ow] = sum / T.CreateTruncating(AvgPool2d.Divisor(g, countIncludePad, h0, h1, w0, w1));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardPlane(T* dy, PoolGeometry g, bool countIncludePad, T* dx)
    {
        new Span<T>(dx, g.InPlane).Clear();
        int outW = g.OutWidth;
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            var (h0, h1) = g.Rows(oh);
            for (int ow = 0; ow < outW; ow++)
            {
                var (w0, w1) = g.Columns(ow);
                T share = dy[oh * outW + ow] / T.CreateTruncating(AvgPool2d.Divisor(g, countIncludePad, h0, h1, w0, w1));
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        dx[h * g.Width + w] += share;
            }
        }
    }
}
