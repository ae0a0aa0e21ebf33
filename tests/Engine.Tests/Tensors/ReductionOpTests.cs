using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>An operand and a set of axes to reduce.</summary>
public sealed record ReductionCase(Operand X, int[] Axes, bool KeepDims, DType DType)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} axes=({string.Join(", ", Axes)}) keepDims={KeepDims} {DType.Name()}";
}

/// <summary>Generators of reduction cases (rank 1–4, any subset of axes, negative axes too).</summary>
public static class ReductionArbitraries
{
    /// <summary>Random reduction cases.</summary>
    public static Arbitrary<ReductionCase> Cases() => Arb.From(
        from x in TensorArbitraries.OperandOf(TensorArbitraries.AnyShape(1, 4))
        from mask in Gen.ArrayOf(Gen.Elements(true, false), x.Shape.Length)
        from negative in Gen.Elements(true, false)
        from keep in Gen.Elements(true, false)
        from dtype in TensorArbitraries.FloatTypes()
        let axes = Enumerable.Range(0, x.Shape.Length).Where(i => mask[i]).Select(i => negative ? i - x.Shape.Length : i).ToArray()
        select new ReductionCase(x, axes.Length == 0 ? [0] : axes, keep, dtype));
}

/// <summary>Reductions, softmax and arg-reductions against the oracle.</summary>
[Properties(Arbitrary = [typeof(ReductionArbitraries), typeof(TensorArbitraries)], MaxTest = 50)]
public class ReductionOpTests
{
    private static (Tensor T, NdArray V, int[] Axes) Setup(ReductionCase c)
    {
        var t = TensorArbitraries.Make(c.X, c.X.Values(), c.DType);
        var axes = c.Axes.Select(a => a < 0 ? a + c.X.Shape.Length : a).ToArray();
        return (t, NdArray.Of(t), axes);
    }

    private static double Rtol(DType d) => d == DType.Float32 ? 2e-5 : 1e-12;

    [Property]
    public void Sum(ReductionCase c)
    {
        var (t, v, axes) = Setup(c);
        Close.Equal(v.Reduce(axes, s => s.Sum(), c.KeepDims), t.Sum(c.Axes, c.KeepDims), rtol: Rtol(c.DType), atol: 1e-4);
    }

    [Property]
    public void Mean(ReductionCase c)
    {
        var (t, v, axes) = Setup(c);
        Close.Equal(v.Reduce(axes, s => s.Average(), c.KeepDims), t.Mean(c.Axes, c.KeepDims), rtol: Rtol(c.DType), atol: 1e-5);
    }

    [Property]
    public void MaxAndMin(ReductionCase c)
    {
        var (t, v, axes) = Setup(c);
        Close.Equal(v.Reduce(axes, s => s.Max(), c.KeepDims), t.Max(c.Axes, c.KeepDims));
        Close.Equal(v.Reduce(axes, s => s.Min(), c.KeepDims), t.Min(c.Axes, c.KeepDims));
    }

    [Property]
    public void VarStdAndLogSumExp(ReductionCase c)
    {
        var (t, v, axes) = Setup(c);
        static double Var(IEnumerable<double> s, int correction)
        {
            var a = s.ToArray();
            double mean = a.Average();
            return a.Sum(x => (x - mean) * (x - mean)) / (a.Length - correction);
        }
        if (v.Reduce(axes, s => s.Count(), true).Data.All(n => n > 1))
        {
            Close.Equal(v.Reduce(axes, s => Var(s, 1), c.KeepDims), t.Var(c.Axes, c.KeepDims), rtol: 1e-4, atol: 1e-5);
            Close.Equal(v.Reduce(axes, s => Math.Sqrt(Var(s, 0)), c.KeepDims), t.Std(c.Axes, c.KeepDims, correction: 0), rtol: 1e-4, atol: 1e-5);
        }
        Close.Equal(v.Reduce(axes, s => Math.Log(s.Sum(Math.Exp)), c.KeepDims), t.LogSumExp(c.Axes, c.KeepDims), rtol: 1e-5);
    }

    [Property]
    public void ArgMaxAndArgMin(TypedOperand x, int axisSeed, bool keep)
    {
        if (x.X.Shape.Length == 0) return;
        int axis = Math.Abs(axisSeed % x.X.Shape.Length);
        var t = TensorArbitraries.Make(x.X, x.X.Values(), x.DType);
        var v = NdArray.Of(t);
        var expectedMax = v.Reduce([axis], s => { var a = s.ToArray(); return Array.IndexOf(a, a.Max()); }, keep);
        var expectedMin = v.Reduce([axis], s => { var a = s.ToArray(); return Array.IndexOf(a, a.Min()); }, keep);
        var argMax = t.ArgMax(axis, keep);
        Assert.Equal(DType.Int32, argMax.DType);
        Close.Equal(expectedMax, argMax);
        Close.Equal(expectedMin, t.ArgMin(axis, keep));
        var flat = v.Data;
        Assert.Equal(Array.IndexOf(flat, flat.Max()), t.ArgMax().Item<int>());
    }

    [Property]
    public void SoftmaxAndLogSoftmax(TypedOperand x, int axisSeed)
    {
        if (x.X.Shape.Length == 0) return;
        int axis = Math.Abs(axisSeed % x.X.Shape.Length);
        var t = TensorArbitraries.Make(x.X, x.X.Values(-30, 30), x.DType);
        var v = NdArray.Of(t);
        var max = v.Reduce([axis], s => s.Max(), true);
        var shifted = NdArray.Zip(v, max, (a, m) => a - m);
        var sums = shifted.Map(Math.Exp).Reduce([axis], s => s.Sum(), true);
        var softmax = NdArray.Zip(shifted.Map(Math.Exp), sums, (e, s) => e / s);
        var logSoftmax = NdArray.Zip(shifted, sums, (a, s) => a - Math.Log(s));
        Close.Equal(softmax, t.Softmax(axis), rtol: 1e-5, atol: 1e-7);
        Close.Equal(logSoftmax, t.LogSoftmax(axis), rtol: 1e-5, atol: 1e-5);
    }

    [Fact]
    public void SoftmaxIsStableForHugeInputs()
    {
        var t = Tensor.FromArray(new[] { 1000f, 1001f, -1e30f, 999f });
        var p = t.Softmax().ToArray<float>();
        Assert.All(p, e => Assert.True(float.IsFinite(e)));
        Assert.Equal(1.0, p.Sum(), 5);
        Assert.Equal(0f, p[2]);
    }

    [Fact]
    public void ReducingAnEmptyAxisWithMaxThrows()
    {
        var t = Tensor.Zeros(new Shape(3, 0));
        Assert.Equal(new[] { 0f, 0f, 0f }, t.Sum(1).ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => t.Max(1));
        Assert.Contains("Max", e.Message);
        Assert.Contains("(3, 0)", e.Message);
    }
}
