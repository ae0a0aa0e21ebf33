using Engine.Tensors;

namespace Engine.NN;

/// <summary>A weight penalty added to the training loss: l1·Σ|w| + l2·Σw² (Keras's L1, L2 and L1L2).</summary>
public sealed class Regularizer
{
    private Regularizer(double l1, double l2)
    {
        if (!(l1 >= 0) || !(l2 >= 0)) throw new ArgumentOutOfRangeException(nameof(l1), $"Regularizer: factors must be non-negative, got l1 = {l1}, l2 = {l2}.");
        L1Factor = l1;
        L2Factor = l2;
    }

    /// <summary>The factor of Σ|w|.</summary>
    public double L1Factor { get; }

    /// <summary>The factor of Σw².</summary>
    public double L2Factor { get; }

    /// <summary>l1·Σ|w|.</summary>
    /// <param name="factor">l1.</param>
    public static Regularizer L1(double factor = 0.01) => new(factor, 0);

    /// <summary>l2·Σw² (Keras's L2: no ½).</summary>
    /// <param name="factor">l2.</param>
    public static Regularizer L2(double factor = 0.01) => new(0, factor);

    /// <summary>l1·Σ|w| + l2·Σw².</summary>
    /// <param name="l1">The L1 factor.</param>
    /// <param name="l2">The L2 factor.</param>
    public static Regularizer L1L2(double l1 = 0.01, double l2 = 0.01) => new(l1, l2);

    /// <summary>The penalty of one weight, recorded for gradients.</summary>
    /// <param name="weight">The weight.</param>
    public Tensor Penalty(Tensor weight)
    {
        Tensor? total = null;
        if (L1Factor > 0) total = weight.Abs().Sum() * L1Factor;
        if (L2Factor > 0)
        {
            var l2 = weight.Square().Sum() * L2Factor;
            total = total is null ? l2 : total + l2;
        }
        return total ?? Tensor.Zeros(new Shape(), weight.DType, weight.Device);
    }
}
