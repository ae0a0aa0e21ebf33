using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>
    /// One fused SGD step in place: <paramref name="param"/> and (with momentum) <paramref name="buffer"/> are
    /// updated from <paramref name="grad"/>. All tensors contiguous, of one shape and floating dtype;
    /// <paramref name="buffer"/> is null when the momentum is 0.
    /// </summary>
    void SgdStep(Tensor param, Tensor grad, Tensor? buffer, SgdUpdate update);

    /// <summary>
    /// One fused Adam/AdamW step in place on <paramref name="param"/> and its moments;
    /// <paramref name="maxSecondMoment"/> is null unless amsgrad. All tensors contiguous, of one shape and dtype.
    /// </summary>
    void AdamStep(Tensor param, Tensor grad, Tensor firstMoment, Tensor secondMoment, Tensor? maxSecondMoment, AdamUpdate update);

    /// <summary>
    /// One fused RMSprop step in place; <paramref name="meanGrad"/> is null unless centered and
    /// <paramref name="buffer"/> null without momentum. All tensors contiguous, of one shape and dtype.
    /// </summary>
    void RmsPropStep(Tensor param, Tensor grad, Tensor squareAverage, Tensor? meanGrad, Tensor? buffer, RmsPropUpdate update);

    /// <summary>One fused Adagrad step in place on <paramref name="param"/> and its sum of squares. All tensors contiguous, of one shape and dtype.</summary>
    void AdagradStep(Tensor param, Tensor grad, Tensor sum, AdagradUpdate update);

    /// <summary>Σ x² over the contiguous floating tensor <paramref name="x"/>, accumulated in double and returned to the host.</summary>
    double SumOfSquares(Tensor x);

    /// <summary>
    /// Rescales the contiguous floating tensors together so that their joint L2 norm is at most
    /// <paramref name="limit"/>: each x ← x·limit/max(limit, √Σ over all of them of x²) in place (Keras' clip_by_norm
    /// for one tensor, clip_by_global_norm for several). The GPU computes the factor on the device and does not
    /// wait for it.
    /// </summary>
    void ClipByNorm(IReadOnlyList<Tensor> tensors, double limit);

    /// <summary>x ← clamp(x, min, max) in place on a contiguous floating tensor.</summary>
    void ClampInPlace(Tensor x, double min, double max);

    /// <summary>x ← x·factor in place on a contiguous floating tensor.</summary>
    void ScaleInPlace(Tensor x, double factor);
}
