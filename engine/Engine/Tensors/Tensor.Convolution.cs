using Engine.Autodiff;
using Engine.Kernels.Cpu;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as in every deep-learning library) of this [N, C, H, W] input with a
    /// [K, C/groups, kh, kw] weight and an optional [K] bias, giving [N, K, OH, OW].
    /// </summary>
    /// <remarks>
    /// Channels come first (NCHW). Channels-last data ([N, H, W, C]) is used by permuting it first,
    /// <c>x.Permute(0, 3, 1, 2)</c>; a non-contiguous input is copied once. Groups split the channels into
    /// independent convolutions; groups = C with K = m·C is the depthwise convolution.
    /// </remarks>
    /// <param name="weight">[K, C/groups, kh, kw].</param>
    /// <param name="bias">[K], or null.</param>
    /// <param name="stride">(rows, columns) between outputs; default (1, 1).</param>
    /// <param name="padding">Valid, Same, an int, a (height, width) pair or explicit sides; default none.</param>
    /// <param name="dilation">(rows, columns) between kernel taps; default (1, 1).</param>
    /// <param name="groups">Channel groups; C and K must be divisible by it.</param>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, (int Height, int Width)? stride = null,
        ConvPadding padding = default, (int Height, int Width)? dilation = null, int groups = 1)
    {
        CheckConvOperands("Conv2d", this, weight, bias, rank: 4);
        return Convolution2d("Conv2d", weight, bias, stride, padding, dilation, groups);
    }

    /// <summary>
    /// relu(<see cref="Conv2d"/>(…)) in one pass over the output: what a convolution layer with a ReLU activation
    /// computes, without a separate activation tensor. Gradients are those of the two ops in sequence.
    /// </summary>
    internal Tensor Conv2dRelu(Tensor weight, Tensor? bias, (int Height, int Width)? stride, ConvPadding padding,
        (int Height, int Width)? dilation, int groups)
    {
        CheckConvOperands("Conv2d", this, weight, bias, rank: 4);
        return Convolution2d("Conv2d", weight, bias, stride, padding, dilation, groups, relu: true);
    }

    private Tensor Convolution2d(string op, Tensor weight, Tensor? bias, (int Height, int Width)? stride,
        ConvPadding padding, (int Height, int Width)? dilation, int groups, bool relu = false)
    {
        var (sh, sw) = stride ?? (1, 1);
        var (dh, dw) = dilation ?? (1, 1);
        int kh = weight.Shape[2], kw = weight.Shape[3];
        int h = Shape[2], w = Shape[3];
        var (top, bottom) = padding.IsSame ? ConvPadding.SameAlong(h, kh, sh, dh) : (padding.Top, padding.Bottom);
        var (left, right) = padding.IsSame ? ConvPadding.SameAlong(w, kw, sw, dw) : (padding.Left, padding.Right);
        var geometry = new ConvGeometry(Shape[0], Shape[1], h, w, weight.Shape[0], kh, kw, sh, sw, top, bottom, left, right, dh, dw, groups);
        CheckGeometry(op, geometry, this, weight, $"stride ({sh}, {sw}), padding {padding}, dilation ({dh}, {dw}), groups {groups}");
        return ConvolveRecorded(this, weight, bias, geometry, relu);
    }

    /// <summary>
    /// 1-D convolution of this [N, C, L] input with a [K, C/groups, k] weight and an optional [K] bias, giving
    /// [N, K, OL]; the 2-D convolution of height 1 (see <see cref="Conv2d"/>).
    /// </summary>
    /// <param name="weight">[K, C/groups, k].</param>
    /// <param name="bias">[K], or null.</param>
    /// <param name="stride">Cells between outputs.</param>
    /// <param name="padding">Valid, Same, an int (both ends) or <see cref="ConvPadding.Explicit(int, int)"/>.</param>
    /// <param name="dilation">Cells between kernel taps.</param>
    /// <param name="groups">Channel groups; C and K must be divisible by it.</param>
    public Tensor Conv1d(Tensor weight, Tensor? bias = null, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1)
    {
        CheckConvOperands("Conv1d", this, weight, bias, rank: 3);
        var flat = padding.IsSame ? padding : ConvPadding.Explicit(padding.Left, padding.Right);
        return Unsqueeze(2).Convolution2d("Conv1d", weight.Unsqueeze(2), bias, (1, stride), flat, (1, dilation), groups).Squeeze(2);
    }

    /// <summary>
    /// Transposed 2-D convolution (the gradient of <see cref="Conv2d"/> with respect to its input, what decoders and
    /// GAN generators use to upsample) of this [N, Cin, H, W] input with a [Cin, Cout/groups, kh, kw] weight and an
    /// optional [Cout] bias. Output size (H − 1)·stride − padding + dilation·(kh − 1) + 1 + outputPadding per axis;
    /// with <see cref="ConvPadding.Same"/> it is H·stride.
    /// </summary>
    /// <param name="weight">[Cin, Cout/groups, kh, kw] (PyTorch's layout).</param>
    /// <param name="bias">[Cout], or null.</param>
    /// <param name="stride">(rows, columns) of upsampling; default (1, 1).</param>
    /// <param name="padding">Cells removed from each side of the full output, or Same; default none.</param>
    /// <param name="outputPadding">Extra (rows, columns) added after the output, each less than the stride or the dilation.</param>
    /// <param name="dilation">(rows, columns) between kernel taps; default (1, 1).</param>
    /// <param name="groups">Channel groups; Cin and Cout must be divisible by it.</param>
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias = null, (int Height, int Width)? stride = null,
        ConvPadding padding = default, (int Height, int Width) outputPadding = default, (int Height, int Width)? dilation = null, int groups = 1)
    {
        const string op = "ConvTranspose2d";
        CheckConvOperands(op, this, weight, bias: null, rank: 4, transposed: true);
        var (sh, sw) = stride ?? (1, 1);
        var (dh, dw) = dilation ?? (1, 1);
        int kh = weight.Shape[2], kw = weight.Shape[3], outChannels = weight.Shape[1] * groups;
        var (top, bottom, outH) = TransposedAxis(Shape[2], kh, sh, dh, padding.IsSame, padding.Top, padding.Bottom, outputPadding.Height);
        var (left, right, outW) = TransposedAxis(Shape[3], kw, sw, dw, padding.IsSame, padding.Left, padding.Right, outputPadding.Width);
        string parameters = $"stride ({sh}, {sw}), padding {padding}, output padding {outputPadding}, dilation ({dh}, {dw}), groups {groups}";
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outChannels || bias.DType != DType))
            throw new ArgumentException($"{op}: bias must be a {DType} vector of the {outChannels} output channels, got {bias.Describe()}.");
        if (!padding.IsSame && (outputPadding.Height < 0 || outputPadding.Width < 0
            || (outputPadding.Height >= sh && outputPadding.Height >= dh) || (outputPadding.Width >= sw && outputPadding.Width >= dw)))
            throw new ArgumentException($"{op}: output padding must be non-negative and smaller than the stride or the dilation; {parameters}.");
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"{op}: the output would be {outH}×{outW} for input {Shape} and weight {weight.Shape} with {parameters}.");
        // The convolution whose input gradient this is: it maps [N, Cout, outH, outW] back to this input's shape.
        var geometry = new ConvGeometry(Shape[0], outChannels, outH, outW, Shape[1], kh, kw, sh, sw, top, bottom, left, right, dh, dw, groups);
        CheckGeometry(op, geometry, this, weight, parameters);
        if (geometry.OutHeight != Shape[2] || geometry.OutWidth != Shape[3])
            throw new ArgumentException($"{op}: input {Shape} does not match weight {weight.Shape} with {parameters}.");
        var y = ConvolveTransposedRecorded(this, weight, geometry);
        return bias is null ? y : y + bias.Reshape(1, outChannels, 1, 1);
    }

    private static (int Before, int After, int Output) TransposedAxis(int size, int kernel, int stride, int dilation,
        bool same, int before, int after, int outputPadding)
    {
        if (!same) return (before, after, (size - 1) * stride - before - after + dilation * (kernel - 1) + 1 + outputPadding);
        // The adjoint of a "same" convolution over size·stride cells.
        int output = size * stride;
        var (b, a) = ConvPadding.SameAlong(output, kernel, stride, dilation);
        return (b, a, output);
    }

    private static Tensor ConvolveRecorded(Tensor x, Tensor weight, Tensor? bias, ConvGeometry geometry, bool relu)
    {
        var y = Convolve(x, weight, bias, geometry, relu);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(y, relu ? "Conv2dRelu" : "Conv2d", inputs, (geometry, relu), static (n, g) =>
        {
            var (geometry, relu) = n.State<(ConvGeometry, bool)>();
            if (relu) g = MaskPositive(g, n.Output); // the ReLU's gradient, then the convolution's
            var gradients = new Tensor?[n.Inputs.Length];
            if (n.NeedsGrad(0)) gradients[0] = ConvolveBackwardData(g, n.Input(1), geometry);
            if (n.NeedsGrad(1)) gradients[1] = ConvolveBackwardWeight(n.Input(0), g, geometry);
            if (gradients.Length == 3 && n.NeedsGrad(2)) gradients[2] = g.Sum([0, 2, 3]);
            return gradients;
        });
    }

    private static Tensor ConvolveTransposedRecorded(Tensor x, Tensor weight, ConvGeometry geometry)
    {
        var y = ConvolveBackwardData(x, weight, geometry);
        return Autograd.Record(y, "ConvTranspose2d", x, weight, geometry, static (n, g) =>
        {
            var geometry = n.State<ConvGeometry>();
            return
            [
                n.NeedsGrad(0) ? Convolve(g, n.Input(1), null, geometry) : null,
                n.NeedsGrad(1) ? ConvolveBackwardWeight(g, n.Input(0), geometry) : null,
            ];
        });
    }

    /// <summary>The forward convolution, unrecorded: [N, C, H, W] ⊛ [K, C/G, kh, kw] → [N, K, OH, OW].</summary>
    private static Tensor Convolve(Tensor x, Tensor weight, Tensor? bias, ConvGeometry g, bool relu = false)
    {
        var y = Empty(new Shape([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth]), x.DType, x.Device);
        if (relu) x.Backend.Conv2dRelu(x.ContiguousView(), weight.ContiguousView(), bias?.ContiguousView(), y, g);
        else x.Backend.Conv2d(x.ContiguousView(), weight.ContiguousView(), bias?.ContiguousView(), y, g);
        return y;
    }

    /// <summary>The input gradient of the convolution g, unrecorded: [N, K, OH, OW] → [N, C, H, W].</summary>
    private static Tensor ConvolveBackwardData(Tensor dy, Tensor weight, ConvGeometry g)
    {
        var dx = Empty(new Shape([g.Batch, g.InChannels, g.InHeight, g.InWidth]), dy.DType, dy.Device);
        dy.Backend.Conv2dBackwardData(dy.ContiguousView(), weight.ContiguousView(), dx, g);
        return dx;
    }

    /// <summary>The weight gradient of the convolution g, unrecorded: → [K, C/G, kh, kw].</summary>
    private static Tensor ConvolveBackwardWeight(Tensor x, Tensor dy, ConvGeometry g)
    {
        var dw = Empty(new Shape([g.OutChannels, g.GroupInChannels, g.KernelHeight, g.KernelWidth]), x.DType, x.Device);
        x.Backend.Conv2dBackwardWeight(x.ContiguousView(), dy.ContiguousView(), dw, g);
        return dw;
    }

    private static void CheckConvOperands(string op, Tensor x, Tensor weight, Tensor? bias, int rank, bool transposed = false)
    {
        string layout = rank == 4 ? "[N, C, H, W]" : "[N, C, L]";
        string weightLayout = transposed ? "[Cin, Cout/groups, kh, kw]" : rank == 4 ? "[K, C/groups, kh, kw]" : "[K, C/groups, k]";
        if (x.Rank != rank) throw new ArgumentException($"{op}: input must be {layout}, got {x.Describe()}.");
        if (weight.Rank != rank) throw new ArgumentException($"{op}: weight must be {weightLayout}, got {weight.Describe()}.");
        RequireFloating(x.DType, op);
        if (weight.DType != x.DType || weight.Device != x.Device)
            throw new ArgumentException($"{op}: weight {weight.Describe()} does not match input {x.Describe()}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0] || bias.DType != x.DType || bias.Device != x.Device))
            throw new ArgumentException($"{op}: bias must be a {x.DType} vector of the {weight.Shape[0]} output channels, got {bias.Describe()}.");
        if (transposed && weight.Shape[0] != x.Shape[1])
            throw new ArgumentException($"{op}: weight {weight.Shape} needs {weight.Shape[0]} input channels, input {x.Shape} has {x.Shape[1]}.");
    }

    private static void CheckGeometry(string op, ConvGeometry g, Tensor x, Tensor weight, string parameters)
    {
        string? problem = g.Problem();
        // A transposed convolution derives its channels from the weight, so only the plain one can disagree.
        if (problem is null && op != "ConvTranspose2d" && g.GroupInChannels != weight.Shape[1])
            problem = $"weight {weight.Shape} expects {weight.Shape[1] * g.Groups} input channels, input has {g.InChannels}";
        if (problem is not null)
            throw new ArgumentException($"{op}: {problem}; input {x.Shape}, weight {weight.Shape}, {parameters}.");
    }
}
