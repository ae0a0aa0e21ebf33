using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Per-channel mean and biased variance of <paramref name="x"/> ([N, C, …], channel axis 1) into
    /// <paramref name="mean"/> and <paramref name="variance"/> (both [C]).
    /// </summary>
    void BatchNormStatistics(Tensor x, Tensor mean, Tensor variance);

    /// <summary>
    /// y = (x − mean[c])/√(variance[c] + eps)·weight[c] + bias[c] over x [N, C, …]; a null weight is 1, a null bias 0.
    /// </summary>
    void BatchNormForward(Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps, Tensor y);

    /// <summary>
    /// Gradients of <see cref="BatchNormForward"/> from <paramref name="dy"/>: dWeight = Σ dy·x̂, dBias = Σ dy per
    /// channel, and dx for batch statistics (<paramref name="training"/>) or fixed running statistics. Null
    /// outputs are skipped.
    /// </summary>
    void BatchNormBackward(Tensor x, Tensor dy, Tensor mean, Tensor variance, Tensor? weight, double eps, bool training,
        Tensor? dx, Tensor? dWeight, Tensor? dBias);

    /// <summary>
    /// Layer norm of <paramref name="x"/> viewed as rows of <paramref name="rowLength"/> elements: y = x̂·weight + bias
    /// with each row's x̂ = (x − mean)·invStd; also writes each row's mean and invStd = 1/√(var + eps) (one per row).
    /// </summary>
    void LayerNormForward(Tensor x, long rowLength, Tensor? weight, Tensor? bias, double eps, Tensor y, Tensor mean, Tensor invStd);

    /// <summary>
    /// Gradients of <see cref="LayerNormForward"/> from <paramref name="dy"/> with the saved row statistics: dx per
    /// row, dWeight = Σ_rows dy·x̂, dBias = Σ_rows dy. Null outputs are skipped.
    /// </summary>
    void LayerNormBackward(Tensor x, Tensor dy, long rowLength, Tensor mean, Tensor invStd, Tensor? weight,
        Tensor? dx, Tensor? dWeight, Tensor? dBias);
}
