using Engine.Autodiff;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalisation over the channel axis 1 of an [N, C], [N, C, L] or [N, C, H, W] tensor, as PyTorch's
    /// <c>batch_norm</c>: y = (x − mean)/√(var + eps)·weight + bias per channel.
    /// </summary>
    /// <remarks>
    /// Training uses the batch's mean and biased variance, and (when given) updates the running statistics in
    /// place, outside the graph: running = (1 − momentum)·running + momentum·batch, with the unbiased variance
    /// for <paramref name="runningVar"/>. Inference uses the running statistics. Gradients flow to x, weight
    /// and bias; the running statistics are buffers and get none.
    /// </remarks>
    /// <param name="runningMean">Per-channel running mean [C], updated in training; required in inference.</param>
    /// <param name="runningVar">Per-channel running variance [C], updated in training; required in inference.</param>
    /// <param name="weight">Per-channel scale γ [C] (null: 1).</param>
    /// <param name="bias">Per-channel shift β [C] (null: 0).</param>
    /// <param name="training">Batch statistics (true) or running statistics (false).</param>
    /// <param name="momentum">Weight of the batch statistics in the running-statistics update.</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    /// <exception cref="ArgumentException">Wrong rank, a shape or dtype that does not match x, no running statistics in inference, or one value per channel in training.</exception>
    public Tensor BatchNorm(Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5)
    {
        const string op = "BatchNorm";
        CheckBatchNormArguments(runningMean, runningVar, weight, bias, training, momentum, eps);
        var x = ContiguousView();
        Tensor mean, variance;
        if (training)
        {
            mean = Empty(new Shape(Shape[1]), DType, Device);
            variance = Empty(new Shape(Shape[1]), DType, Device);
            Backend.BatchNormStatistics(x, mean, variance);
            UpdateRunningStatistics(runningMean, runningVar, mean, variance, momentum);
        }
        else
        {
            // Copies: an in-place update before Backward must not change what the gradient uses.
            mean = runningMean!.ContiguousCopy();
            variance = runningVar!.ContiguousCopy();
        }
        var y = Empty(Shape, DType, Device);
        Backend.BatchNormForward(x, mean, variance, weight, bias, eps, y);
        var inputs = AffineInputs(this, weight, bias);
        return Autograd.Record(y, op, inputs, new BatchNormSaved(mean, variance, eps, training, weight is not null, bias is not null),
            static (n, g) =>
            {
                var saved = n.State<BatchNormSaved>();
                var x = n.Input(0);
                var weight = saved.HasWeight ? n.Input(1) : null;
                var (dx, dWeight, dBias) = AffineGradientBuffers(n, x, saved.HasWeight, saved.HasBias);
                x.Backend.BatchNormBackward(x, g.ContiguousView(), saved.Mean, saved.Variance, weight, saved.Eps, saved.Training, dx, dWeight, dBias);
                return AffineGradients(dx, dWeight, dBias, saved.HasWeight, saved.HasBias);
            });
    }

    /// <summary>
    /// Layer normalisation over the last <paramref name="normalizedAxes"/> axes, as PyTorch's <c>layer_norm</c>:
    /// each slice over those axes is normalised by its own mean and biased variance, then scaled by
    /// <paramref name="weight"/> and shifted by <paramref name="bias"/> elementwise.
    /// </summary>
    /// <param name="normalizedAxes">How many trailing axes form one normalised slice (1 … rank).</param>
    /// <param name="weight">Elementwise scale with the shape of those axes (null: 1).</param>
    /// <param name="bias">Elementwise shift with the shape of those axes (null: 0).</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    /// <exception cref="ArgumentException">normalizedAxes out of range, or weight/bias of another shape or dtype.</exception>
    public Tensor LayerNorm(int normalizedAxes, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        const string op = "LayerNorm";
        RequireFloating(DType, op);
        if (normalizedAxes < 1 || normalizedAxes > Rank)
            throw new ArgumentException($"{op}: normalizedAxes must be in 1…{Rank} for x {Describe()}, got {normalizedAxes}.");
        CheckEpsilon(op, eps);
        var normalizedShape = new Shape(Shape.ToArray()[(Rank - normalizedAxes)..]);
        CheckParameter(op, "weight", weight, normalizedShape);
        CheckParameter(op, "bias", bias, normalizedShape);
        var x = ContiguousView();
        long rowLength = normalizedShape.NumElements;
        int rows = checked((int)(rowLength == 0 ? 0 : NumElements / rowLength));
        var y = Empty(Shape, DType, Device);
        var mean = Empty(new Shape(rows), DType, Device);
        var invStd = Empty(new Shape(rows), DType, Device);
        Backend.LayerNormForward(x, rowLength, weight, bias, eps, y, mean, invStd);
        var inputs = AffineInputs(this, weight, bias);
        return Autograd.Record(y, op, inputs, new LayerNormSaved(mean, invStd, rowLength, weight is not null, bias is not null),
            static (n, g) =>
            {
                var saved = n.State<LayerNormSaved>();
                var x = n.Input(0);
                var weight = saved.HasWeight ? n.Input(1) : null;
                var (dx, dWeight, dBias) = AffineGradientBuffers(n, x, saved.HasWeight, saved.HasBias);
                x.Backend.LayerNormBackward(x, g.ContiguousView(), saved.RowLength, saved.Mean, saved.InvStd, weight, dx, dWeight, dBias);
                return AffineGradients(dx, dWeight, dBias, saved.HasWeight, saved.HasBias);
            });
    }

    /// <summary>
    /// Inverted dropout: in training, each element is zeroed with probability <paramref name="p"/> and the kept
    /// ones are scaled by 1/(1 − p), so the expected value is unchanged; otherwise (or with p = 0) the tensor
    /// itself. p = 1 gives zeros. The mask is drawn on the tensor's device from a counter-based stream keyed by one
    /// 64-bit draw of <paramref name="generator"/> (element i, row-major, is kept iff its 32 random bits
    /// u(key, i) ≥ round(p·2^32)), so a seeded generator reproduces it, on every device alike; the gradient is
    /// dy·mask·1/(1 − p).
    /// </summary>
    /// <param name="p">Probability of zeroing an element, in [0, 1].</param>
    /// <param name="training">Apply the mask (true) or pass the tensor through (false).</param>
    /// <param name="generator">The random source (default: <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Tensor Dropout(double p, bool training, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout: p must be in [0, 1], got {p} for x {Describe()}.");
        RequireFloating(DType, "Dropout");
        if (!training || p == 0) return this;
        return this * DropoutMask(p, generator ?? Generator.Default);
    }

    /// <summary>1/(1 − p) where an element is kept, 0 where dropped (all 0 when p = 1), drawn on the device.</summary>
    private Tensor DropoutMask(double p, Generator generator)
    {
        var mask = Empty(Shape, DType, Device);
        double scale = p >= 1 ? 0 : 1 / (1 - p);
        Backend.DropoutMask(mask, generator.NextUInt64(), p, scale);
        return mask;
    }

    private sealed record BatchNormSaved(Tensor Mean, Tensor Variance, double Eps, bool Training, bool HasWeight, bool HasBias);

    private sealed record LayerNormSaved(Tensor Mean, Tensor InvStd, long RowLength, bool HasWeight, bool HasBias);

    private static Tensor[] AffineInputs(Tensor x, Tensor? weight, Tensor? bias)
    {
        var inputs = new List<Tensor>(3) { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return [.. inputs];
    }

    /// <summary>Fresh outputs for the gradients the graph needs (null for the rest).</summary>
    private static (Tensor? Dx, Tensor? DWeight, Tensor? DBias) AffineGradientBuffers(GradNode n, Tensor x, bool hasWeight, bool hasBias)
    {
        var dx = n.NeedsGrad(0) ? Empty(x.Shape, x.DType, x.Device) : null;
        var dWeight = hasWeight && n.NeedsGrad(1) ? Empty(n.Input(1).Shape, x.DType, x.Device) : null;
        int biasIndex = hasWeight ? 2 : 1;
        var dBias = hasBias && n.NeedsGrad(biasIndex) ? Empty(n.Input(biasIndex).Shape, x.DType, x.Device) : null;
        return (dx, dWeight, dBias);
    }

    private static Tensor?[] AffineGradients(Tensor? dx, Tensor? dWeight, Tensor? dBias, bool hasWeight, bool hasBias)
    {
        var grads = new List<Tensor?>(3) { dx };
        if (hasWeight) grads.Add(dWeight);
        if (hasBias) grads.Add(dBias);
        return [.. grads];
    }

    private void CheckBatchNormArguments(Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum, double eps)
    {
        const string op = "BatchNorm";
        RequireFloating(DType, op);
        if (Rank < 2 || Rank > 4)
            throw new ArgumentException($"{op}: expects x of shape [N, C], [N, C, L] or [N, C, H, W], got {Describe()}.");
        var channels = new Shape(Shape[1]);
        CheckParameter(op, "runningMean", runningMean, channels);
        CheckParameter(op, "runningVar", runningVar, channels);
        CheckParameter(op, "weight", weight, channels);
        CheckParameter(op, "bias", bias, channels);
        CheckEpsilon(op, eps);
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException($"{op}: give both runningMean and runningVar or neither (x {Describe()}).");
        if (!training && runningMean is null)
            throw new ArgumentException($"{op}: inference (training: false) needs runningMean and runningVar for x {Describe()}.");
        if (training && NumElements / Math.Max(1, Shape[1]) <= 1)
            throw new ArgumentException($"{op}: training needs more than one value per channel, got x {Describe()}.");
        if (training && !(momentum >= 0 && momentum <= 1))
            throw new ArgumentException($"{op}: momentum must be in [0, 1], got {momentum}.");
    }

    private void CheckParameter(string op, string name, Tensor? parameter, Shape expected)
    {
        if (parameter is null) return;
        if (!parameter.Shape.Equals(expected) || parameter.DType != DType)
            throw new ArgumentException($"{op}: {name} must be {expected} {DType.Name()} for x {Describe()}, got {parameter.Describe()}.");
        CheckDevice(this, parameter, op);
    }

    private static void CheckEpsilon(string op, double eps)
    {
        if (!(eps >= 0) || double.IsInfinity(eps))
            throw new ArgumentException($"{op}: eps must be finite and non-negative, got {eps}.");
    }

    /// <summary>running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance, in place.</summary>
    private void UpdateRunningStatistics(Tensor? runningMean, Tensor? runningVar, Tensor mean, Tensor variance, double momentum)
    {
        if (runningMean is null || runningVar is null) return;
        long count = NumElements / Shape[1];
        using (Autograd.NoGrad())
        {
            Backend.Copy(runningMean * (1 - momentum) + mean * momentum, runningMean);
            Backend.Copy(runningVar * (1 - momentum) + variance * (momentum * count / (count - 1)), runningVar);
        }
    }
}
