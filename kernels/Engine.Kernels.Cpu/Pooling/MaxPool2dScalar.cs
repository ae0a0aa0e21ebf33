using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>The scalar max pooling: the reference behaviour the vector path is tested against.</summary>
internal static unsafe class MaxPool2dScalar<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(T* x, long planes, PoolGeometry g, T* y, int* argmax)
    {
        int inPlane = g.InPlane, outPlane = g.OutPlane, outW = g.OutWidth;
        for (long p = 0; p < planes; p++)
        {
            T* xp = x + p * inPlane;
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = g.Rows(oh);
                for (int ow = 0; ow < outW; ow++)
                {
                    var (w0, w1) = g.Columns(ow);
                    int best = Window(xp, g.Width, h0, h1, w0, w1);
                    long o = p * outPlane + oh * outW + ow;
                    y[o] = xp[best];
                    argmax[o] = best;
                }
            }
        }
    }

    /// <summary>Flat index of the first maximum of the window's real cells in row-major order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Window(T* plane, int width, int h0, int h1, int w0, int w1)
    {
        int best = h0 * width + w0;
        T max = plane[best];
        for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
            {
                T v = plane[h * width + w];
                if (Beats(v, max))
                {
                    max = v;
                    best = h * width + w;
                }
            }
        return best;
    }

    /// <summary>True when a later cell v replaces the current maximum: strictly larger, or the first NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Beats(T v, T max) => v > max || (T.IsNaN(v) && !T.IsNaN(max));
}
