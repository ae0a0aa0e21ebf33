using Engine.Autodiff;
using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>
/// The fused <see cref="Tensor.ScaledDotProductAttention"/> (no dropout) against the composed path it replaces
/// (<see cref="Tensor.ComposedAttention"/>), forward and gradients, on the CPU; mask layouts the backend reads without
/// a copy and the one it copies; the fallbacks; finite differences with a mask that does not require grad.
/// </summary>
[Properties(Arbitrary = [typeof(AttentionArbitraries)], MaxTest = 40)]
public class FusedAttentionTests
{
    [Property]
    public void Forward_equals_the_composed_path(AttentionCase c)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var (q, k, v, mask) = Operands(c, dtype);
            var fused = q.ScaledDotProductAttention(k, v, mask, c.Causal);
            var composed = q.ComposedAttention(k, v, mask, c.Causal, 1 / Math.Sqrt(c.D), 0, null);
            AssertClose(composed, fused, dtype == DType.Float64 ? 1e-13 : 1e-6, $"{c} {dtype.Name()}");
        }
    }

    [Property]
    public void Gradients_equal_the_composed_path(AttentionCase c)
    {
        using var fusing = Tensor.ForceFusedAttention(); // the CPU fuses only while not recording gradients unless forced
        var (fq, fk, fv) = Backward(c, fused: true);
        var (cq, ck, cv) = Backward(c, fused: false);
        AssertClose(cq, fq, 1e-10, $"dQ of {c}");
        AssertClose(ck, fk, 1e-10, $"dK of {c}");
        AssertClose(cv, fv, 1e-10, $"dV of {c}");
    }

    [Property(MaxTest = 20)]
    public void Gradients_match_finite_differences_with_a_constant_additive_mask(AttentionGradCase g)
    {
        using var fusing = Tensor.ForceFusedAttention(); // the CPU fuses only while not recording gradients unless forced
        var c = g.Case;
        var mask = c.Mask == AttentionMask.None ? null : c.MaskTensor(DType.Float64);
        GradCheck.Assert(t => t[0].ScaledDotProductAttention(t[1], t[2], mask, c.Causal),
            [c.Query.ToTensor(DType.Float64), c.Key.ToTensor(DType.Float64), c.Value.ToTensor(DType.Float64)]);
    }

    [Fact]
    public void Fully_masked_rows_average_the_values_and_their_gradients_match()
    {
        using var fusing = Tensor.ForceFusedAttention(); // the CPU fuses only while not recording gradients unless forced
        // Rows 1 and 3 of the [4, 1] mask hide every key; with causal the others keep keys 0..i.
        var q = Tensor.Uniform(new Shape(2, 4, 3), -1, 1, DType.Float64, new Generator(1));
        var k = Tensor.Uniform(new Shape(2, 5, 3), -1, 1, DType.Float64, new Generator(2));
        var v = Tensor.Uniform(new Shape(2, 5, 2), -1, 1, DType.Float64, new Generator(3));
        var mask = Tensor.FromArray(new[] { 1, 0, 1, 0 }, new Shape(4, 1)).Gt(0);
        var output = q.ScaledDotProductAttention(k, v, mask, causal: true);
        var mean = v.Mean([1], keepDims: true).Expand(2, 4, 2);
        AssertClose(mean.Slice(1, 1, 2), output.Slice(1, 1, 2), 1e-14, "row 1");
        AssertClose(mean.Slice(1, 3, 4), output.Slice(1, 3, 4), 1e-14, "row 3");
        GradCheck.Assert(t => t[0].ScaledDotProductAttention(t[1], t[2], mask, causal: true), [q, k, v]);
    }

    /// <summary>Masks over [N, H, Lq, Lk]: broadcast over heads, over the batch, over queries, and a 5-D one the backend copies.</summary>
    public static TheoryData<int[], int[]> MaskShapes() => new()
    {
        { [2, 3, 4, 5], [2, 1, 4, 5] },
        { [2, 3, 4, 5], [1, 3, 4, 5] },
        { [2, 3, 4, 5], [2, 3, 1, 5] },
        { [2, 3, 4, 5], [5] },
        { [2, 2, 3, 4, 5], [2, 1, 3, 4, 5] },
        { [2, 2, 3, 4, 5], [2, 2, 3, 4, 5] },
    };

    [Theory]
    [MemberData(nameof(MaskShapes))]
    public void Every_mask_layout_equals_the_composed_path(int[] scores, int[] maskShape)
    {
        int lq = scores[^2], lk = scores[^1];
        var lead = scores[..^2];
        var q = Tensor.Uniform(new Shape([.. lead, lq, 3]), -1, 1, DType.Float64, new Generator(4));
        var k = Tensor.Uniform(new Shape([.. lead, lk, 3]), -1, 1, DType.Float64, new Generator(5));
        var v = Tensor.Uniform(new Shape([.. lead, lk, 2]), -1, 1, DType.Float64, new Generator(6));
        var values = Tensor.Uniform(new Shape(maskShape), -1, 1, DType.Float64, new Generator(7));
        foreach (var mask in new[] { values, values.Gt(-0.5) })
        {
            var fused = q.ScaledDotProductAttention(k, v, mask);
            var composed = q.ComposedAttention(k, v, mask, false, 1 / Math.Sqrt(3), 0, null);
            AssertClose(composed, fused, 1e-13, $"mask {mask.Describe()} over scores [{string.Join(", ", scores)}]");
        }
    }

    [Fact]
    public void Broadcast_keys_get_their_gradient_summed()
    {
        using var fusing = Tensor.ForceFusedAttention(); // the CPU fuses only while not recording gradients unless forced
        // Keys and values [1, Lk, d] shared by a batch of 3 queries: the fused op expands them.
        var q = Tensor.Uniform(new Shape(3, 2, 4), -1, 1, DType.Float64, new Generator(8));
        var k = Tensor.Uniform(new Shape(1, 5, 4), -1, 1, DType.Float64, new Generator(9));
        var v = Tensor.Uniform(new Shape(5, 3), -1, 1, DType.Float64, new Generator(10));
        GradCheck.Assert(t => t[0].ScaledDotProductAttention(t[1], t[2], causal: true), [q, k, v]);
    }

    [Fact]
    public void A_mask_that_requires_grad_takes_the_composed_path_and_gets_its_gradient()
    {
        var q = Tensor.Uniform(new Shape(2, 3, 2), -1, 1, DType.Float64, new Generator(11));
        var k = Tensor.Uniform(new Shape(2, 4, 2), -1, 1, DType.Float64, new Generator(12));
        var v = Tensor.Uniform(new Shape(2, 4, 2), -1, 1, DType.Float64, new Generator(13));
        var mask = Tensor.Uniform(new Shape(3, 4), -1, 1, DType.Float64, new Generator(14));
        mask.RequiresGrad = true;
        var output = q.ScaledDotProductAttention(k, v, mask);
        Assert.NotEqual("ScaledDotProductAttention", output.Node?.Op);
        output.Sum().Backward();
        Assert.NotNull(mask.Grad);
    }

    [Fact]
    public void Without_dropout_the_graph_holds_one_node_instead_of_the_scores()
    {
        using var fusing = Tensor.ForceFusedAttention(); // the CPU fuses only while not recording gradients unless forced
        var q = Tensor.Uniform(new Shape(2, 3, 2), -1, 1, DType.Float64, new Generator(15));
        q.RequiresGrad = true;
        var k = Tensor.Uniform(new Shape(2, 4, 2), -1, 1, DType.Float64, new Generator(16));
        Assert.Equal("ScaledDotProductAttention", q.ScaledDotProductAttention(k, k).Node?.Op);
        Assert.NotEqual("ScaledDotProductAttention", q.ScaledDotProductAttention(k, k, dropout: 0.5).Node?.Op);
    }

    [Fact]
    public void On_the_cpu_recording_gradients_takes_the_composed_path_unless_forced()
    {
        var q = Tensor.Uniform(new Shape(2, 3, 2), -1, 1, DType.Float64, new Generator(17));
        var k = Tensor.Uniform(new Shape(2, 4, 2), -1, 1, DType.Float64, new Generator(18));
        Assert.Null(q.ScaledDotProductAttention(k, k).Node); // nothing to record: fused, no graph
        k.RequiresGrad = true;
        Assert.NotEqual("ScaledDotProductAttention", q.ScaledDotProductAttention(k, k).Node?.Op);
        using (Autograd.NoGrad())
            Assert.Null(q.ScaledDotProductAttention(k, k).Node);
        using (Tensor.ForceFusedAttention())
            Assert.Equal("ScaledDotProductAttention", q.ScaledDotProductAttention(k, k).Node?.Op);
        Assert.NotEqual("ScaledDotProductAttention", q.ScaledDotProductAttention(k, k).Node?.Op);
    }

    private static (Tensor Q, Tensor K, Tensor V, Tensor? Mask) Operands(AttentionCase c, DType dtype) =>
        (c.Query.ToTensor(dtype), c.Key.ToTensor(dtype), c.Value.ToTensor(dtype), c.MaskTensor(dtype));

    private static (Tensor DQ, Tensor DK, Tensor DV) Backward(AttentionCase c, bool fused)
    {
        var (q, k, v, mask) = Operands(c, DType.Float64);
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var output = fused ? q.ScaledDotProductAttention(k, v, mask, c.Causal) : q.ComposedAttention(k, v, mask, c.Causal, 1 / Math.Sqrt(c.D), 0, null);
        var weighting = Tensor.Uniform(output.Shape, -1, 1, DType.Float64, new Generator((ulong)c.Seed));
        (output * weighting).Sum().Backward();
        return (q.Grad!, k.Grad!, v.Grad!);
    }

    /// <summary>Elementwise |a − e| ≤ tol·(1 + |e|).</summary>
    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToDoubles();
        var a = actual.ToDoubles();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(a[i] - e[i]) <= tolerance * (1 + Math.Abs(e[i])), $"{what}: element {i} is {a[i]:R}, expected {e[i]:R}.");
    }
}
