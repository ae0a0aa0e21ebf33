using Engine.Autodiff;
using Engine.Tensors;
using Engine.Tests.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.Autodiff;

/// <summary>A small operand for gradient checks (finite differences cost two evaluations per element).</summary>
public sealed record GradOperand(Operand X)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => X.ToString();
}

/// <summary>Two small operands whose shapes broadcast together.</summary>
public sealed record GradPair(Operand A, Operand B)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"A={A} B={B}";
}

/// <summary>A small operand of rank ≥ 1 with a set of axes to reduce.</summary>
public sealed record GradReduction(Operand X, int[] Axes, bool KeepDims)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} axes=({string.Join(", ", Axes)}) keepDims={KeepDims}";
}

/// <summary>
/// Generators for the gradient checks: the layouts of <see cref="TensorArbitraries"/> (contiguous,
/// transposed, strided) on shapes of rank 0–3 with sizes 1–4, so a check stays well under a millisecond.
/// </summary>
public static class GradArbitraries
{
    internal static Gen<int[]> SmallShape(int minRank = 0, int maxRank = 3) =>
        from rank in Gen.Choose(minRank, maxRank)
        from dims in Gen.ArrayOf(Gen.Choose(1, 4), rank)
        select dims;

    /// <summary>Small operands of rank 0–3.</summary>
    public static Arbitrary<GradOperand> Operands() =>
        Arb.From(TensorArbitraries.OperandOf(SmallShape()).Select(x => new GradOperand(x)));

    /// <summary>Small broadcastable pairs, built like <see cref="TensorArbitraries.Pairs"/>.</summary>
    public static Arbitrary<GradPair> Pairs() => Arb.From(
        from shape in SmallShape()
        from drop in Gen.Choose(0, shape.Length)
        from ones in Gen.ArrayOf(Gen.Elements(false, false, true), shape.Length)
        from onesInA in Gen.ArrayOf(Gen.Elements(false, false, false, true), shape.Length)
        from swap in Gen.Elements(false, true)
        from layoutA in TensorArbitraries.Layouts()
        from layoutB in TensorArbitraries.Layouts()
        from seedA in Gen.Choose(0, int.MaxValue - 1)
        from seedB in Gen.Choose(0, int.MaxValue - 1)
        let b = shape.Skip(drop).Select((s, i) => ones[i + drop] ? 1 : s).ToArray()
        let a = shape.Select((s, i) => onesInA[i] && i >= drop && b[i - drop] != 1 ? 1 : s).ToArray()
        let first = new Operand(a, layoutA, seedA)
        let second = new Operand(b, layoutB, seedB)
        select swap ? new GradPair(second, first) : new GradPair(first, second));

    /// <summary>Small operands of rank 1–3 with a non-empty subset of axes (negative ones too).</summary>
    public static Arbitrary<GradReduction> Reductions() => Arb.From(
        from x in TensorArbitraries.OperandOf(SmallShape(1, 3))
        from mask in Gen.ArrayOf(Gen.Elements(true, false), x.Shape.Length)
        from negative in Gen.Elements(true, false)
        from keep in Gen.Elements(true, false)
        let axes = Enumerable.Range(0, x.Shape.Length).Where(i => mask[i]).Select(i => negative ? i - x.Shape.Length : i).ToArray()
        select new GradReduction(x, axes.Length == 0 ? [0] : axes, keep));
}

/// <summary>Helpers shared by the gradient tests.</summary>
internal static class Grad
{
    /// <summary>A float64 tensor with the operand's layout and values in [low, high).</summary>
    public static Tensor Make(Operand x, double low = -2, double high = 2) =>
        TensorArbitraries.Make(x, x.Values(low, high), DType.Float64);

    /// <summary>A float32 tensor with the operand's layout and values in [low, high).</summary>
    public static Tensor Make32(Operand x, double low = -2, double high = 2) =>
        TensorArbitraries.Make(x, x.Values(low, high), DType.Float32);

    /// <summary>Values in ±[margin, 2): away from a kink at 0.</summary>
    public static Tensor AwayFromZero(Operand x, double margin = 0.05) =>
        TensorArbitraries.Make(x, x.Values().Map(v => v >= 0 ? v + margin : v - margin), DType.Float64);

    /// <summary>Runs <see cref="GradCheck.Assert"/> in float64 with PyTorch's tolerances.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => GradCheck.Assert(f, inputs);
}
