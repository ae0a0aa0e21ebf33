using Engine.Autodiff;
using Engine.Kernels.Cpu;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// 1-D max pooling of a channels-first [N, C, L] tensor: each output is the maximum of a window of
    /// <paramref name="kernel"/> cells moved by <paramref name="stride"/> (default: the kernel) over the input
    /// padded by <paramref name="padding"/> cells each side (padded cells never win). Output length
    /// ⌊(L + 2·padding − kernel) / stride⌋ + 1, as PyTorch with ceil_mode = false. Channels-last input
    /// [N, L, C] must be permuted by the caller: <c>x.Permute(0, 2, 1)</c>.
    /// </summary>
    /// <remarks>The gradient goes to the first maximum of each window in window order.</remarks>
    /// <exception cref="ArgumentException">Not rank 3, not floating, non-positive sizes, padding above kernel/2, or a kernel larger than the padded input.</exception>
    public Tensor MaxPool1d(int kernel, int? stride = null, int padding = 0)
    {
        var geometry = PoolInput("MaxPool1d", 3, (1, kernel), (1, stride ?? kernel), (0, padding), $"kernel {kernel}, stride {stride ?? kernel}, padding {padding}");
        return Unsqueeze(2).MaxPoolCore("MaxPool1d", geometry).Squeeze(2);
    }

    /// <summary>
    /// 2-D max pooling of a channels-first [N, C, H, W] tensor: kernel (kH, kW), stride (default: the kernel)
    /// and zero-or-more padding per side (padded cells never win); output [N, C, OH, OW] with
    /// OH = ⌊(H + 2·pH − kH) / sH⌋ + 1 (PyTorch, ceil_mode = false). Channels-last input [N, H, W, C] must be
    /// permuted by the caller: <c>x.Permute(0, 3, 1, 2)</c>.
    /// </summary>
    /// <remarks>
    /// The gradient goes to each window's maximum; ties go to the first maximum in row-major window order,
    /// and overlapping windows that share a winner add their gradients. NaN propagates.
    /// </remarks>
    /// <exception cref="ArgumentException">Not rank 4, not floating, non-positive sizes, padding above kernel/2, or a kernel larger than the padded input.</exception>
    public Tensor MaxPool2d((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W) padding = default)
    {
        var s = stride ?? kernel;
        return MaxPoolCore("MaxPool2d", PoolInput("MaxPool2d", 4, kernel, s, padding, $"kernel {kernel}, stride {s}, padding {padding}"));
    }

    /// <summary>2-D max pooling with a square kernel, stride (default: the kernel) and padding; see <c>MaxPool2d((kH, kW), …)</c>.</summary>
    public Tensor MaxPool2d(int kernel, int? stride = null, int padding = 0) =>
        MaxPool2d((kernel, kernel), stride is int s ? (s, s) : null, (padding, padding));

    /// <summary>
    /// 1-D average pooling of a channels-first [N, C, L] tensor (sizes as <see cref="MaxPool1d"/>). With
    /// <paramref name="countIncludePad"/> (PyTorch's default) padded cells count as zeros in the divisor;
    /// without, each window divides by its number of real cells (Keras' 'same' padding).
    /// Channels-last input must be permuted by the caller: <c>x.Permute(0, 2, 1)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="MaxPool1d"/>.</exception>
    public Tensor AvgPool1d(int kernel, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        var geometry = PoolInput("AvgPool1d", 3, (1, kernel), (1, stride ?? kernel), (0, padding), $"kernel {kernel}, stride {stride ?? kernel}, padding {padding}");
        return Unsqueeze(2).AvgPoolCore("AvgPool1d", geometry, countIncludePad).Squeeze(2);
    }

    /// <summary>
    /// 2-D average pooling of a channels-first [N, C, H, W] tensor (sizes as <c>MaxPool2d((kH, kW), …)</c>).
    /// With <paramref name="countIncludePad"/> (PyTorch's default) every window divides by kH·kW; without,
    /// by its number of real cells (Keras' 'same' padding). Channels-last input must be permuted by the
    /// caller: <c>x.Permute(0, 3, 1, 2)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">As for <c>MaxPool2d((kH, kW), …)</c>.</exception>
    public Tensor AvgPool2d((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W) padding = default, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        return AvgPoolCore("AvgPool2d", PoolInput("AvgPool2d", 4, kernel, s, padding, $"kernel {kernel}, stride {s}, padding {padding}"), countIncludePad);
    }

    /// <summary>2-D average pooling with a square kernel, stride (default: the kernel) and padding; see <c>AvgPool2d((kH, kW), …)</c>.</summary>
    public Tensor AvgPool2d(int kernel, int? stride = null, int padding = 0, bool countIncludePad = true) =>
        AvgPool2d((kernel, kernel), stride is int s ? (s, s) : null, (padding, padding), countIncludePad);

    /// <summary>
    /// The mean over every axis after the channel axis 1 of a channels-first [N, C, …] tensor: [N, C], or
    /// [N, C, 1, …] with <paramref name="keepDims"/>. Channels-last input must be permuted by the caller first
    /// (<c>x.Permute(0, 3, 1, 2)</c> for [N, H, W, C]).
    /// </summary>
    /// <exception cref="ArgumentException">Rank below 3, or not floating.</exception>
    public Tensor GlobalAvgPool(bool keepDims = false) => Mean(SpatialAxes("GlobalAvgPool"), keepDims);

    /// <summary>
    /// The maximum over every axis after the channel axis 1 of a channels-first [N, C, …] tensor: [N, C], or
    /// [N, C, 1, …] with <paramref name="keepDims"/>. The gradient goes to the first maximum of each plane.
    /// Channels-last input must be permuted by the caller first (<c>x.Permute(0, 3, 1, 2)</c> for [N, H, W, C]).
    /// </summary>
    /// <exception cref="ArgumentException">Rank below 3, or not floating.</exception>
    public Tensor GlobalMaxPool(bool keepDims = false) => Max(SpatialAxes("GlobalMaxPool"), keepDims);

    /// <summary>
    /// Upsamples a channels-first [N, C, H, W] tensor by whole factors to [N, C, sH·H, sW·W]:
    /// <see cref="UpsampleMode.Nearest"/> repeats cells; <see cref="UpsampleMode.Bilinear"/> interpolates with
    /// PyTorch's align_corners = false (half-pixel centres, clamped at the edges). Channels-last input must
    /// be permuted by the caller: <c>x.Permute(0, 3, 1, 2)</c>. The gradient is the adjoint of the upsampling.
    /// </summary>
    /// <exception cref="ArgumentException">Not rank 4, not floating, or a non-positive scale.</exception>
    public Tensor Upsample2d((int H, int W) scale, UpsampleMode mode = UpsampleMode.Nearest)
    {
        const string name = "Upsample2d";
        RequireFloating(DType, name);
        if (Rank != 4) throw new ArgumentException($"{name}: needs a channels-first [N, C, H, W] tensor, got {Describe()} (scale {scale}, {mode}).");
        if (scale.H <= 0 || scale.W <= 0) throw new ArgumentException($"{name}: scale {scale} must be positive (input {Describe()}, {mode}).");
        if (mode is not (UpsampleMode.Nearest or UpsampleMode.Bilinear)) throw new ArgumentException($"{name}: unknown mode {mode} (input {Describe()}).");
        var y = Empty(new Shape(Shape[0], Shape[1], checked(Shape[2] * scale.H), checked(Shape[3] * scale.W)), DType, Device);
        if (y.NumElements > 0) Backend.Upsample2d(ContiguousView(), mode, y);
        return Autograd.Record(y, name, this, mode, static (n, g) =>
        {
            var x = n.Input(0);
            var dx = Empty(x.Shape, g.DType, g.Device);
            if (dx.NumElements > 0) g.Backend.Upsample2dBackward(g.ContiguousView(), n.State<UpsampleMode>(), dx);
            return [dx];
        });
    }

    /// <summary>Upsamples by the same whole factor along H and W; see <c>Upsample2d((sH, sW), mode)</c>.</summary>
    public Tensor Upsample2d(int scale, UpsampleMode mode = UpsampleMode.Nearest) => Upsample2d((scale, scale), mode);

    /// <summary>Checks dtype, rank and sizes of a pooling and returns its geometry over the (H, W) plane.</summary>
    private PoolGeometry PoolInput(string name, int rank, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, string parameters)
    {
        RequireFloating(DType, name);
        string layout = rank == 3 ? "[N, C, L]" : "[N, C, H, W]";
        if (Rank != rank) throw new ArgumentException($"{name}: needs a channels-first {layout} tensor, got {Describe()} ({parameters}).");
        var geometry = new PoolGeometry(rank == 3 ? 1 : Shape[2], Shape[-1], kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W);
        if (geometry.Problem() is { } problem) throw new ArgumentException($"{name}: {problem}; input {Describe()}, {parameters}.");
        return geometry;
    }

    private Tensor MaxPoolCore(string name, PoolGeometry geometry)
    {
        var outShape = PooledShape(geometry);
        var y = Empty(outShape, DType, Device);
        var argmax = Empty(outShape, DType.Int32, Device);
        if (y.NumElements > 0) Backend.MaxPool2d(ContiguousView(), geometry, y, argmax);
        return Autograd.Record(y, name, this, (geometry, argmax), static (n, g) =>
        {
            var (geometry, argmax) = n.State<(PoolGeometry, Tensor)>();
            var dx = Empty(n.Input(0).Shape, g.DType, g.Device);
            if (dx.NumElements > 0) g.Backend.MaxPool2dBackward(g.ContiguousView(), argmax, geometry, dx);
            return [dx];
        });
    }

    private Tensor AvgPoolCore(string name, PoolGeometry geometry, bool countIncludePad)
    {
        var y = Empty(PooledShape(geometry), DType, Device);
        if (y.NumElements > 0) Backend.AvgPool2d(ContiguousView(), geometry, countIncludePad, y);
        return Autograd.Record(y, name, this, (geometry, countIncludePad), static (n, g) =>
        {
            var (geometry, countIncludePad) = n.State<(PoolGeometry, bool)>();
            var dx = Empty(n.Input(0).Shape, g.DType, g.Device);
            if (dx.NumElements > 0) g.Backend.AvgPool2dBackward(g.ContiguousView(), geometry, countIncludePad, dx);
            return [dx];
        });
    }

    private Shape PooledShape(PoolGeometry geometry) => new(Shape[0], Shape[1], geometry.OutHeight, geometry.OutWidth);

    private int[] SpatialAxes(string name)
    {
        RequireFloating(DType, name);
        if (Rank < 3) throw new ArgumentException($"{name}: needs a channels-first [N, C, …] tensor with at least one axis after C, got {Describe()}.");
        return Enumerable.Range(2, Rank - 2).ToArray();
    }
}
