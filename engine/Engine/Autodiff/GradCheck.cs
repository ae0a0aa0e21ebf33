using Engine.Tensors;

namespace Engine.Autodiff;

/// <summary>
/// Compares the gradients <see cref="Tensor.Backward"/> computes with central finite differences, as
/// PyTorch's <c>gradcheck</c> does. The function's output is reduced to a scalar with fixed random
/// weights v, so one backward pass gives vᵀJ, and each input element is perturbed by ±eps in place.
/// </summary>
/// <remarks>
/// Inputs must not overlap in memory (no stride-0 broadcast views); int32 inputs (indices, labels) are
/// passed through untouched. Run in float64 for a tight check; float32 uses looser tolerances.
/// </remarks>
public static class GradCheck
{
    /// <summary>
    /// The default (eps, atol, rtol) for a dtype: PyTorch's (1e-6, 1e-5, 1e-3) for float64, and
    /// (1e-3, 1e-2, 1e-2) for float32.
    /// </summary>
    public static (double Eps, double Atol, double Rtol) DefaultTolerance(DType dtype) =>
        dtype == DType.Float64 ? (1e-6, 1e-5, 1e-3) : (1e-3, 1e-2, 1e-2);

    /// <summary>Checks <paramref name="function"/> at <paramref name="inputs"/> and returns the worst element.</summary>
    /// <param name="function">The function under test; it receives leaves with the inputs' values and layout.</param>
    /// <param name="inputs">The point to check at; floating inputs are differentiated.</param>
    /// <param name="eps">Finite-difference step (default by dtype).</param>
    /// <param name="atol">Absolute tolerance (default by dtype).</param>
    /// <param name="rtol">Tolerance relative to the numeric gradient (default by dtype).</param>
    /// <param name="seed">Seed of the output weights v.</param>
    public static GradCheckResult Run(Func<Tensor[], Tensor> function, Tensor[] inputs, double? eps = null, double? atol = null, double? rtol = null, ulong seed = 1234)
    {
        var leaves = inputs.Select(x => x.DType.IsFloating() ? LeafOf(x) : x).ToArray();
        var output = function(leaves);
        if (!output.DType.IsFloating())
            throw new ArgumentException($"GradCheck: the function returned {output.Describe()}; it must return a floating tensor.");
        var defaults = DefaultTolerance(output.DType);
        double h = eps ?? defaults.Eps, absolute = atol ?? defaults.Atol, relative = rtol ?? defaults.Rtol;

        var weights = Tensor.Uniform(output.Shape, -1, 1, DType.Float64, new Generator(seed));
        if (output.RequiresGrad) output.Backward(weights.To(output.DType));

        var worst = new GradCheckResult(true, -1, -1, 0, 0, 0, 0);
        int failures = 0;
        long checkedCount = 0;
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!leaves[i].DType.IsFloating()) continue;
            var analytic = leaves[i].Grad?.ToDoubles() ?? new double[leaves[i].NumElements];
            for (long k = 0; k < leaves[i].NumElements; k++)
            {
                double numeric = NumericDerivative(function, leaves, i, k, weights, h);
                double error = Math.Abs(analytic[k] - numeric);
                double allowed = absolute + relative * Math.Abs(numeric);
                double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / allowed;
                checkedCount++;
                if (ratio > 1) failures++;
                if (ratio > worst.ErrorRatio || worst.InputIndex < 0)
                    worst = new GradCheckResult(ratio <= 1, i, k, analytic[k], numeric, ratio, 0);
            }
        }
        return worst with { Passed = failures == 0, Failures = failures, Checked = checkedCount };
    }

    /// <summary>Like <see cref="Run"/>, but throws <see cref="GradCheckException"/> naming the worst element when the check fails.</summary>
    /// <param name="function">The function under test.</param>
    /// <param name="inputs">The point to check at.</param>
    /// <param name="eps">Finite-difference step (default by dtype).</param>
    /// <param name="atol">Absolute tolerance (default by dtype).</param>
    /// <param name="rtol">Relative tolerance (default by dtype).</param>
    public static void Assert(Func<Tensor[], Tensor> function, Tensor[] inputs, double? eps = null, double? atol = null, double? rtol = null)
    {
        var result = Run(function, inputs, eps, atol, rtol);
        if (!result.Passed) throw new GradCheckException(result);
    }

    private static Tensor LeafOf(Tensor x)
    {
        var leaf = x.Detach();
        leaf.RequiresGrad = true;
        return leaf;
    }

    /// <summary>(L(x + h·eₖ) − L(x − h·eₖ)) / 2h with L = Σ v·f, evaluated without recording.</summary>
    private static double NumericDerivative(Func<Tensor[], Tensor> function, Tensor[] leaves, int input, long flat, Tensor weights, double h)
    {
        using var scope = Autograd.NoGrad();
        var element = leaves[input].ElementView(flat);
        double original = element.Item();
        element.Backend.Fill(element, original + h);
        double plus = Weighted(function(leaves), weights);
        element.Backend.Fill(element, original - h);
        double minus = Weighted(function(leaves), weights);
        element.Backend.Fill(element, original);
        // The step actually taken, after rounding to the dtype (matters in float32).
        double step = (original + h) - (original - h);
        if (leaves[input].DType == DType.Float32) step = (float)(original + h) - (double)(float)(original - h);
        return (plus - minus) / step;
    }

    private static double Weighted(Tensor output, Tensor weights) => (output.To(DType.Float64) * weights).Sum().Item();
}

/// <summary>The worst element of a <see cref="GradCheck"/> run.</summary>
/// <param name="Passed">True when every element was within tolerance.</param>
/// <param name="InputIndex">Which input the worst element belongs to.</param>
/// <param name="FlatIndex">Its row-major position within that input.</param>
/// <param name="Analytic">The gradient from <see cref="Tensor.Backward"/>.</param>
/// <param name="Numeric">The central finite difference.</param>
/// <param name="ErrorRatio">|analytic − numeric| / (atol + rtol·|numeric|); above 1 fails.</param>
/// <param name="Failures">How many elements were out of tolerance.</param>
public sealed record GradCheckResult(bool Passed, int InputIndex, long FlatIndex, double Analytic, double Numeric, double ErrorRatio, int Failures)
{
    /// <summary>How many input elements were checked.</summary>
    public long Checked { get; init; }

    /// <summary>A one-line report naming the worst element.</summary>
    public override string ToString() =>
        $"GradCheck {(Passed ? "passed" : "failed")}: {Failures} of {Checked} elements out of tolerance; worst is input {InputIndex}, " +
        $"flat index {FlatIndex}: analytic {Analytic:G8} vs numeric {Numeric:G8} (error {ErrorRatio:G3}× the tolerance).";
}

/// <summary>Thrown by <see cref="GradCheck.Assert"/> when analytic and numeric gradients disagree.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception from a failed result.</summary>
    public GradCheckException(GradCheckResult result) : base(result.ToString()) => Result = result;

    /// <summary>The failed check's worst element.</summary>
    public GradCheckResult Result { get; }
}
