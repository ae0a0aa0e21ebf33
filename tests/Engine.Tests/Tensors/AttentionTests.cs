using Engine.Autodiff;
using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>Which mask an attention case adds.</summary>
public enum AttentionMask
{
    /// <summary>No mask.</summary>
    None,
    /// <summary>A bool [Lq, Lk] mask broadcast over batch and heads.</summary>
    Bool,
    /// <summary>A float [B, 1, Lq, Lk] mask added to the scores.</summary>
    Additive,
}

/// <summary>
/// One attention problem: queries [B, H, Lq, D], keys and values [B or 1, H, Lk, D / Dv] (1 when the keys are shared
/// by the batch, so the batch axis broadcasts), with a causal flag and a mask kind.
/// </summary>
public sealed record AttentionCase(int Batch, int Heads, int Lq, int Lk, int D, int Dv, bool SharedKeys, bool Causal,
    AttentionMask Mask, int Seed)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() =>
        $"B={Batch} H={Heads} Lq={Lq} Lk={Lk} D={D} Dv={Dv} shared={SharedKeys} causal={Causal} mask={Mask} seed={Seed}";

    internal int KeyBatch => SharedKeys ? 1 : Batch;

    internal NdArray Query => NdArray.Random([Batch, Heads, Lq, D], new Random(Seed));

    internal NdArray Key => NdArray.Random([KeyBatch, Heads, Lk, D], new Random(Seed + 1));

    internal NdArray Value => NdArray.Random([KeyBatch, Heads, Lk, Dv], new Random(Seed + 2));

    /// <summary>The bool mask as 0/1 values [Lq, Lk] (about one key in three hidden), or the additive mask [B, 1, Lq, Lk].</summary>
    internal NdArray MaskValues => Mask == AttentionMask.Bool
        ? NdArray.Random([Lq, Lk], new Random(Seed + 3), 0, 1).Map(u => u < 0.35 ? 0 : 1)
        : NdArray.Random([Batch, 1, Lq, Lk], new Random(Seed + 3), -1.5, 1.5);

    internal Tensor? MaskTensor(DType dtype) => Mask switch
    {
        AttentionMask.Bool => MaskValues.ToTensor(DType.Float64).Gt(0.5),
        AttentionMask.Additive => MaskValues.ToTensor(dtype),
        _ => null,
    };
}

/// <summary>Small attention problems, including one-element axes and Lq ≠ Lk.</summary>
public static class AttentionArbitraries
{
    /// <summary>Problems of a few hundred elements at most.</summary>
    public static Arbitrary<AttentionCase> Cases() => Arb.From(
        from batch in Gen.Choose(1, 3)
        from heads in Gen.Choose(1, 2)
        from lq in Gen.Choose(1, 6)
        from lk in Gen.Choose(1, 6)
        from d in Gen.Choose(1, 5)
        from dv in Gen.Choose(1, 4)
        from shared in Gen.Elements(true, false)
        from causal in Gen.Elements(true, false)
        from mask in Gen.Elements(AttentionMask.None, AttentionMask.Bool, AttentionMask.Additive)
        from seed in Gen.Choose(0, 100_000)
        select new AttentionCase(batch, heads, lq, lk, d, dv, shared, causal, mask, seed));

    /// <summary>Problems small enough for finite differences over every input element.</summary>
    public static Arbitrary<AttentionGradCase> GradCases() => Arb.From(
        from c in Cases().Generator
        where c.Batch * c.Heads * (c.Lq * c.D + c.Lk * (c.D + c.Dv)) <= 90
        select new AttentionGradCase(c));
}

/// <summary>An attention problem for the gradient check.</summary>
public sealed record AttentionGradCase(AttentionCase Case)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => Case.ToString();
}

/// <summary>
/// <see cref="Tensor.ScaledDotProductAttention"/> against a direct double-precision loop, its gradients against finite
/// differences, and its argument checks.
/// </summary>
[Properties(Arbitrary = [typeof(AttentionArbitraries)], MaxTest = 40)]
public class AttentionTests
{
    [Property]
    public void Matches_the_direct_loop_in_float64_and_float32(AttentionCase c)
    {
        var expected = Reference(c, scale: null);
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var actual = c.Query.ToTensor(dtype).ScaledDotProductAttention(c.Key.ToTensor(dtype), c.Value.ToTensor(dtype),
                c.MaskTensor(dtype), c.Causal);
            // float32: the scores and the softmax round once more than the double loop.
            Close.Equal(expected, actual, rtol: dtype == DType.Float32 ? 1e-5 : null, atol: dtype == DType.Float32 ? 1e-5 : null,
                what: $"{c} {dtype.Name()}");
        }
    }

    [Property(MaxTest = 10)]
    public void A_given_scale_replaces_one_over_root_d(AttentionCase c)
    {
        var actual = c.Query.ToTensor(DType.Float64).ScaledDotProductAttention(c.Key.ToTensor(DType.Float64),
            c.Value.ToTensor(DType.Float64), c.MaskTensor(DType.Float64), c.Causal, scale: 0.7);
        Close.Equal(Reference(c, scale: 0.7), actual, what: c.ToString());
    }

    [Property]
    public void Gradients_match_finite_differences(AttentionGradCase g)
    {
        var c = g.Case;
        var inputs = new List<Tensor> { c.Query.ToTensor(DType.Float64), c.Key.ToTensor(DType.Float64), c.Value.ToTensor(DType.Float64) };
        if (c.Mask == AttentionMask.Additive) inputs.Add(c.MaskValues.ToTensor(DType.Float64));
        var boolMask = c.Mask == AttentionMask.Bool ? c.MaskTensor(DType.Float64) : null;
        GradCheck.Assert(t => t[0].ScaledDotProductAttention(t[1], t[2], t.Length > 3 ? t[3] : boolMask, c.Causal), [.. inputs]);
    }

    [Fact]
    public void A_query_whose_keys_are_all_masked_averages_the_values()
    {
        var q = Tensor.FromArray(new double[] { 1, -2, 0.5, 3 }, new Shape(2, 2));
        var k = Tensor.FromArray(new double[] { 0.3, 1, -1, 2, 0, 1 }, new Shape(3, 2));
        var v = Tensor.FromArray(new double[] { 1, 10, 2, 20, 6, 60 }, new Shape(3, 2));
        var mask = Tensor.FromArray(new[] { 0, 0, 0, 1, 0, 1 }, new Shape(2, 3)).Gt(0);
        var result = q.ScaledDotProductAttention(k, v, mask).ToArray<double>();
        Assert.Equal(3.0, result[0], 12);
        Assert.Equal(30.0, result[1], 12);
        Assert.All(result, x => Assert.True(double.IsFinite(x)));
    }

    [Fact]
    public void Dropout_zeroes_weights_and_rescales_the_rest()
    {
        var q = Tensor.Ones(new Shape(1, 4), DType.Float64);
        var k = Tensor.Ones(new Shape(8, 4), DType.Float64);
        var v = Tensor.Ones(new Shape(8, 1), DType.Float64);
        // Equal scores: weights 1/8 each; kept ones become 1/8 · 1/(1 − p), so the output is (kept count)/(8·(1 − p)).
        double output = q.ScaledDotProductAttention(k, v, dropout: 0.5, generator: new Generator(3)).ToArray<double>()[0];
        double kept = output * 8 * 0.5;
        Assert.Equal(Math.Round(kept), kept, 9);
        Assert.Equal(1.0, q.ScaledDotProductAttention(k, v).ToArray<double>()[0], 12);
    }

    [Fact]
    public void Bad_arguments_throw_naming_the_shapes()
    {
        var q = Tensor.Zeros(new Shape(2, 3, 4));
        var k = Tensor.Zeros(new Shape(2, 5, 4));
        var v = Tensor.Zeros(new Shape(2, 5, 6));
        Assert.Contains("feature size", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(Tensor.Zeros(new Shape(2, 5, 3)), v)).Message);
        Assert.Contains("differ in length", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k, Tensor.Zeros(new Shape(2, 4, 6)))).Message);
        Assert.Contains("at least two axes", Assert.Throws<ArgumentException>(() => Tensor.Zeros(new Shape(4)).ScaledDotProductAttention(k, v)).Message);
        Assert.Contains("does not broadcast", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k, v, Tensor.Zeros(new Shape(3, 4)).Gt(0))).Message);
        Assert.Contains("does not broadcast", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k, v, Tensor.Zeros(new Shape(7, 2, 3, 5)).Gt(0))).Message);
        Assert.Contains("must be bool", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k, v, Tensor.Zeros(new Shape(3, 5), DType.Int32))).Message);
        Assert.Contains("dtype mismatch", Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k.To(DType.Float64), v)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.ScaledDotProductAttention(k, v, scale: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.ScaledDotProductAttention(k, v, dropout: 1.5));
    }

    /// <summary>softmax(q·kᵀ·scale + mask)·v, query by query, with hidden keys at zero weight (all hidden: uniform).</summary>
    private static NdArray Reference(AttentionCase c, double? scale)
    {
        var (q, k, v) = (c.Query, c.Key, c.Value);
        NdArray? mask = c.Mask == AttentionMask.None ? null : c.MaskValues;
        double s = scale ?? 1 / Math.Sqrt(c.D);
        var result = new double[c.Batch * c.Heads * c.Lq * c.Dv];
        for (int b = 0; b < c.Batch; b++)
        for (int h = 0; h < c.Heads; h++)
        for (int i = 0; i < c.Lq; i++)
        {
            int kb = c.SharedKeys ? 0 : b;
            var scores = new double[c.Lk];
            var visible = new bool[c.Lk];
            for (int j = 0; j < c.Lk; j++)
            {
                double dot = 0;
                for (int d = 0; d < c.D; d++) dot += q[[b, h, i, d]] * k[[kb, h, j, d]];
                scores[j] = dot * s;
                visible[j] = !(c.Causal && j > i) && !(c.Mask == AttentionMask.Bool && mask![[i, j]] == 0);
                if (c.Mask == AttentionMask.Additive) scores[j] += mask![[b, 0, i, j]];
            }
            var weights = SoftmaxOfVisible(scores, visible);
            for (int e = 0; e < c.Dv; e++)
            {
                double sum = 0;
                for (int j = 0; j < c.Lk; j++) sum += weights[j] * v[[kb, h, j, e]];
                result[((b * c.Heads + h) * c.Lq + i) * c.Dv + e] = sum;
            }
        }
        return new NdArray([c.Batch, c.Heads, c.Lq, c.Dv], result);
    }

    private static double[] SoftmaxOfVisible(double[] scores, bool[] visible)
    {
        if (!visible.Contains(true)) return scores.Select(_ => 1.0 / scores.Length).ToArray();
        double max = scores.Where((_, j) => visible[j]).Max();
        var e = scores.Select((x, j) => visible[j] ? Math.Exp(x - max) : 0).ToArray();
        double total = e.Sum();
        return e.Select(x => x / total).ToArray();
    }
}
