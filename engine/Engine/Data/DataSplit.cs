using Engine.Tensors;

namespace Engine.Data;

/// <summary>A data set split into a training part and a held-out validation part.</summary>
/// <param name="TrainX">Training inputs.</param>
/// <param name="TrainY">Training targets.</param>
/// <param name="ValidationX">Validation inputs.</param>
/// <param name="ValidationY">Validation targets.</param>
public sealed record TrainValidationSplit(Tensor TrainX, Tensor TrainY, Tensor ValidationX, Tensor ValidationY);

/// <summary>Helpers that divide (x, y) data sets along axis 0.</summary>
public static class DataSplit
{
    /// <summary>
    /// Holds out round(N × <paramref name="validationFraction"/>) rows for validation. With
    /// <paramref name="shuffle"/> the rows are chosen at random from <paramref name="seed"/> (the same seed
    /// gives the same split); without it the last rows are held out, as Keras's validation_split does.
    /// </summary>
    /// <param name="x">The inputs, [N, …].</param>
    /// <param name="y">The targets, [N, …].</param>
    /// <param name="validationFraction">The share held out, in (0, 1); both parts must end up non-empty.</param>
    /// <param name="shuffle">Pick the validation rows at random rather than from the end.</param>
    /// <param name="seed">The seed of the random choice.</param>
    /// <exception cref="ArgumentException">The tensors disagree on axis 0, or the fraction leaves a part empty.</exception>
    public static TrainValidationSplit TrainValidation(Tensor x, Tensor y, double validationFraction, bool shuffle = true, ulong seed = 0)
    {
        if (x.Rank == 0 || y.Rank == 0 || x.Shape[0] != y.Shape[0])
            throw new ArgumentException($"DataSplit.TrainValidation: x and y must share axis 0, got x {x.Describe()} and y {y.Describe()}.");
        int n = x.Shape[0];
        int validation = double.IsFinite(validationFraction) ? (int)Math.Round(n * validationFraction, MidpointRounding.AwayFromZero) : -1;
        if (!(validationFraction > 0 && validationFraction < 1) || validation <= 0 || validation >= n)
            throw new ArgumentException($"DataSplit.TrainValidation: validationFraction {validationFraction} of {n} rows (x {x.Describe()}) leaves the training or validation part empty; use a fraction in (0, 1) that keeps at least one row on each side.");
        var order = shuffle ? RandomPermutation.Draw(n, new Generator(seed)) : [.. Enumerable.Range(0, n)];
        var train = Rows(order.AsSpan(0, n - validation), x.Device);
        var held = Rows(order.AsSpan(n - validation), x.Device);
        return new TrainValidationSplit(x.IndexSelect(0, train), y.IndexSelect(0, train.To(y.Device)),
            x.IndexSelect(0, held), y.IndexSelect(0, held.To(y.Device)));
    }

    private static Tensor Rows(ReadOnlySpan<int> rows, Device device) => Tensor.FromArray(rows.ToArray(), device: device);
}
