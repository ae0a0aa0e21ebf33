using Engine.Kernels.Cpu;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.Kernels;

/// <summary>One pooling problem: N·C planes of H×W, a window, its step and padding, and a value seed.</summary>
public sealed record PoolCase(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int Seed)
{
    /// <summary>The kernel-side geometry.</summary>
    public PoolGeometry Geometry => new(H, W, KH, KW, SH, SW, PH, PW);

    /// <summary>N·C.</summary>
    public int Planes => N * C;

    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"[{N},{C},{H},{W}] k=({KH},{KW}) s=({SH},{SW}) p=({PH},{PW}) seed={Seed}";
}

/// <summary>One upsampling problem: N·C planes of H×W stretched by (SH, SW).</summary>
public sealed record UpsampleCase(int N, int C, int H, int W, int SH, int SW, int Seed)
{
    /// <summary>N·C.</summary>
    public int Planes => N * C;

    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"[{N},{C},{H},{W}] scale=({SH},{SW}) seed={Seed}";
}

/// <summary>
/// FsCheck generators for pooling: N, C, H, W in 1..9, kernels 1..4, strides 1..3, padding at most half the
/// kernel, kernel within the padded input; plus "pair column" cases (kernel width 2, stride 2, no column
/// padding, W up to 70) that take the vector paths and their tails.
/// </summary>
public static class PoolingArbitraries
{
    private static Gen<PoolCase> Cases(Gen<int> width, Gen<(int K, int S, int P)> columnWindow) =>
        (from n in Gen.Choose(1, 9)
         from c in Gen.Choose(1, 9)
         from h in Gen.Choose(1, 9)
         from w in width
         from kh in Gen.Choose(1, 4)
         from sh in Gen.Choose(1, 3)
         from ph in Gen.Choose(0, kh / 2)
         from cw in columnWindow
         from seed in Gen.Choose(0, int.MaxValue - 1)
         select new PoolCase(n, c, h, w, kh, cw.K, sh, cw.S, ph, cw.P, seed))
        .Where(x => x.KH <= x.H + 2 * x.PH && x.KW <= x.W + 2 * x.PW);

    private static Gen<(int K, int S, int P)> AnyWindow() =>
        from k in Gen.Choose(1, 4)
        from s in Gen.Choose(1, 3)
        from p in Gen.Choose(0, k / 2)
        select (k, s, p);

    /// <summary>The 2×2 window with step 2 and no padding (CNNs' pool), wide enough for its dedicated vector path and its overlapping tail.</summary>
    private static Gen<PoolCase> TwoByTwo() =>
        from n in Gen.Choose(1, 3)
        from c in Gen.Choose(1, 4)
        from h in Gen.Choose(2, 9)
        from w in Gen.Choose(2, 70)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new PoolCase(n, c, h, w, 2, 2, 2, 2, 0, 0, seed);

    /// <summary>Any valid pooling within the ranges above.</summary>
    public static Arbitrary<PoolCase> Pools() => Arb.From(Gen.Frequency(
        (3, Cases(Gen.Choose(1, 9), AnyWindow())),
        (1, Cases(Gen.Choose(2, 70), Gen.Constant((2, 2, 0)))),
        (1, TwoByTwo())));

    /// <summary>Upsamplings with N, C, H, W in 1..9 and scales 1..4.</summary>
    public static Arbitrary<UpsampleCase> Upsamples() => Arb.From(
        from n in Gen.Choose(1, 4)
        from c in Gen.Choose(1, 4)
        from h in Gen.Choose(1, 9)
        from w in Gen.Choose(1, 9)
        from sh in Gen.Choose(1, 4)
        from sw in Gen.Choose(1, 4)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new UpsampleCase(n, c, h, w, sh, sw, seed));
}

/// <summary>Direct-loop float64 references for the pooling and upsampling kernels, written from the definitions.</summary>
public static class PoolingReference
{
    /// <summary>Values in [-scale, scale), or small integers (many ties) when <paramref name="ties"/>.</summary>
    public static double[] Values(int count, int seed, bool ties = false, double scale = 4)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = ties ? random.Next(0, 3) : (random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Max pooling: the first maximum in row-major window order over real cells; NaN beats numbers.</summary>
    public static (double[] Y, int[] Index) MaxPool(double[] x, PoolCase c)
    {
        int oh = (c.H + 2 * c.PH - c.KH) / c.SH + 1, ow = (c.W + 2 * c.PW - c.KW) / c.SW + 1;
        var y = new double[c.Planes * oh * ow];
        var index = new int[y.Length];
        int o = 0;
        for (int p = 0; p < c.Planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    int best = -1;
                    double max = 0;
                    foreach (var (h, w) in Window(c, i, j))
                    {
                        double v = x[(p * c.H + h) * c.W + w];
                        if (best < 0 || v > max || (double.IsNaN(v) && !double.IsNaN(max)))
                        {
                            best = h * c.W + w;
                            max = v;
                        }
                    }
                    y[o] = max;
                    index[o] = best;
                }
        return (y, index);
    }

    /// <summary>Average pooling; the divisor is kH·kW or, without countIncludePad, the number of real cells.</summary>
    public static double[] AvgPool(double[] x, PoolCase c, bool countIncludePad)
    {
        int oh = (c.H + 2 * c.PH - c.KH) / c.SH + 1, ow = (c.W + 2 * c.PW - c.KW) / c.SW + 1;
        var y = new double[c.Planes * oh * ow];
        int o = 0;
        for (int p = 0; p < c.Planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    double sum = 0;
                    int count = 0;
                    foreach (var (h, w) in Window(c, i, j))
                    {
                        sum += x[(p * c.H + h) * c.W + w];
                        count++;
                    }
                    y[o] = sum / (countIncludePad ? c.KH * c.KW : count);
                }
        return y;
    }

    /// <summary>The adjoint of <see cref="AvgPool"/>: each real cell of window o receives dy[o] / divisor.</summary>
    public static double[] AvgPoolBackward(double[] dy, PoolCase c, bool countIncludePad)
    {
        int oh = (c.H + 2 * c.PH - c.KH) / c.SH + 1, ow = (c.W + 2 * c.PW - c.KW) / c.SW + 1;
        var dx = new double[c.Planes * c.H * c.W];
        int o = 0;
        for (int p = 0; p < c.Planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    var cells = Window(c, i, j).ToList();
                    foreach (var (h, w) in cells)
                        dx[(p * c.H + h) * c.W + w] += dy[o] / (countIncludePad ? c.KH * c.KW : cells.Count);
                }
        return dx;
    }

    /// <summary>Scatter-add of dy to each window's winner.</summary>
    public static double[] MaxPoolBackward(double[] dy, int[] index, PoolCase c)
    {
        var dx = new double[c.Planes * c.H * c.W];
        int outPlane = dy.Length / c.Planes;
        for (int o = 0; o < dy.Length; o++) dx[o / outPlane * c.H * c.W + index[o]] += dy[o];
        return dx;
    }

    /// <summary>The real cells (h, w) of window (i, j) in row-major order.</summary>
    private static IEnumerable<(int H, int W)> Window(PoolCase c, int i, int j)
    {
        for (int a = 0; a < c.KH; a++)
            for (int b = 0; b < c.KW; b++)
            {
                int h = i * c.SH - c.PH + a, w = j * c.SW - c.PW + b;
                if (h >= 0 && h < c.H && w >= 0 && w < c.W) yield return (h, w);
            }
    }

    /// <summary>
    /// Upsampling as an explicit list of (output, input, weight) terms: y[out] = Σ weight·x[in]. Nearest reads
    /// cell ⌊o / s⌋; bilinear follows PyTorch's align_corners = false formula.
    /// </summary>
    public static List<(int Out, int In, double Weight)> UpsampleTerms(UpsampleCase c, UpsampleMode mode)
    {
        int oh = c.H * c.SH, ow = c.W * c.SW;
        var terms = new List<(int, int, double)>();
        for (int p = 0; p < c.Planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int o = (p * oh + i) * ow + j;
                    foreach (var (h, wh) in AxisTaps(mode, i, c.H, c.SH))
                        foreach (var (w, ww) in AxisTaps(mode, j, c.W, c.SW))
                            terms.Add((o, (p * c.H + h) * c.W + w, wh * ww));
                }
        return terms;
    }

    private static IEnumerable<(int Index, double Weight)> AxisTaps(UpsampleMode mode, int o, int length, int scale)
    {
        if (mode == UpsampleMode.Nearest)
        {
            yield return (o / scale, 1);
            yield break;
        }
        double source = Math.Max((o + 0.5) / scale - 0.5, 0);
        int low = (int)Math.Floor(source);
        double frac = source - low;
        yield return (Math.Min(low, length - 1), 1 - frac);
        if (frac > 0) yield return (Math.Min(low + 1, length - 1), frac);
    }

    /// <summary>y = A·x for the term list A.</summary>
    public static double[] Apply(List<(int Out, int In, double Weight)> terms, double[] x, int outCount)
    {
        var y = new double[outCount];
        foreach (var (o, i, w) in terms) y[o] += w * x[i];
        return y;
    }

    /// <summary>dx = Aᵀ·dy for the term list A.</summary>
    public static double[] ApplyTransposed(List<(int Out, int In, double Weight)> terms, double[] dy, int inCount)
    {
        var dx = new double[inCount];
        foreach (var (o, i, w) in terms) dx[i] += w * dy[o];
        return dx;
    }
}
