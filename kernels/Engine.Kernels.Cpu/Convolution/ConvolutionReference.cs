using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The obviously-correct convolution: direct loops over every output, kernel tap and channel, with the same
/// meaning and layouts as <see cref="Convolution"/>. It is the oracle the fast path is tested against.
/// </summary>
public static unsafe class ConvolutionReference
{
    /// <summary>y = conv(x, w) + bias (bias may be null).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="g">The sizes.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="bias">Bias [K], or null.</param>
    /// <param name="y">Output [N, K, OH, OW].</param>
    public static void Forward<T>(ConvGeometry g, T* x, T* w, T* bias, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.OutChannels; k++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        T sum = bias == null ? T.Zero : bias[k];
                        ForEachTap(g, n, k, oh, ow, (xi, wi) => sum += x[xi] * w[wi]);
                        y[Output(g, n, k, oh, ow)] = sum;
                    }
    }

    /// <summary>dx = ∂⟨conv(x, w), dy⟩/∂x.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="g">The sizes of the forward convolution.</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="w">Weight [K, C/G, kh, kw].</param>
    /// <param name="dx">Input gradient [N, C, H, W].</param>
    public static void BackwardData<T>(ConvGeometry g, T* dy, T* w, T* dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        new Span<T>(dx, checked((int)(g.Batch * g.InImageSize))).Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.OutChannels; k++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        T gradient = dy[Output(g, n, k, oh, ow)];
                        ForEachTap(g, n, k, oh, ow, (xi, wi) => dx[xi] += gradient * w[wi]);
                    }
    }

    /// <summary>dw = ∂⟨conv(x, w), dy⟩/∂w, summed over the batch.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="g">The sizes of the forward convolution.</param>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="dy">Output gradient [N, K, OH, OW].</param>
    /// <param name="dw">Weight gradient [K, C/G, kh, kw].</param>
    public static void BackwardWeight<T>(ConvGeometry g, T* x, T* dy, T* dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        new Span<T>(dw, checked((int)g.WeightSize)).Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int k = 0; k < g.OutChannels; k++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        T gradient = dy[Output(g, n, k, oh, ow)];
                        ForEachTap(g, n, k, oh, ow, (xi, wi) => dw[wi] += gradient * x[xi]);
                    }
    }

    private static long Output(in ConvGeometry g, int n, int k, int oh, int ow) =>
        ((long)(n * g.OutChannels + k) * g.OutHeight + oh) * g.OutWidth + ow;

    /// <summary>Calls visit(input index, weight index) for every tap of output (n, k, oh, ow) that lands inside the input.</summary>
    private static void ForEachTap(in ConvGeometry g, int n, int k, int oh, int ow, Action<long, long> visit)
    {
        int cg = g.GroupInChannels, group = k / g.GroupOutChannels;
        for (int c = 0; c < cg; c++)
            for (int i = 0; i < g.KernelHeight; i++)
                for (int j = 0; j < g.KernelWidth; j++)
                {
                    int ih = oh * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                    int iw = ow * g.StrideWidth - g.PadLeft + j * g.DilationWidth;
                    if ((uint)ih >= (uint)g.InHeight || (uint)iw >= (uint)g.InWidth) continue;
                    long xi = ((long)(n * g.InChannels + group * cg + c) * g.InHeight + ih) * g.InWidth + iw;
                    long wi = ((long)(k * cg + c) * g.KernelHeight + i) * g.KernelWidth + j;
                    visit(xi, wi);
                }
    }
}
