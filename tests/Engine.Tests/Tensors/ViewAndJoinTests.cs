using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>Views (no copies), joins, splits, gathers and padding against the oracle.</summary>
[Properties(Arbitrary = [typeof(TensorArbitraries)], MaxTest = 50)]
public class ViewAndJoinTests
{
    [Property]
    public void PermuteReshapeAndContiguous(TypedOperand x, int seed)
    {
        var t = TensorArbitraries.Make(x.X, x.X.Values(), x.DType);
        var v = NdArray.Of(t);
        var random = new Random(seed);
        var perm = Enumerable.Range(0, v.Rank).OrderBy(_ => random.Next()).ToArray();
        var p = t.Permute(perm);
        Assert.Same(t.Storage, p.Storage);
        Close.Equal(v.Permute(perm), p);
        Close.Equal(v.Permute(perm), p.Contiguous());
        Assert.True(p.Contiguous().IsContiguous);
        var flat = p.Reshape(-1);
        Assert.Equal(v.Permute(perm).Data, flat.ToDoubles());
    }

    /// <summary>IndexSelect along any axis of any layout (rows copied whole along the first axis) equals picking by hand.</summary>
    [Property]
    public void IndexSelectPicksEntriesAlongAnyAxis(TypedOperand x, int seed)
    {
        var t = TensorArbitraries.Make(x.X, x.X.Values(), x.DType);
        if (t.Rank == 0 || t.NumElements == 0) return;
        var v = NdArray.Of(t);
        var random = new Random(seed);
        int axis = random.Next(t.Rank);
        var picks = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(t.Shape[axis])).ToArray();
        var y = t.IndexSelect(axis, Tensor.FromArray(picks));
        var perm = Enumerable.Range(0, t.Rank).Where(d => d != axis).Prepend(axis).ToArray();
        var moved = v.Permute(perm);                    // the chosen axis first, so each pick is a block of values
        int block = moved.Data.Length / Math.Max(1, t.Shape[axis]);
        var expected = picks.SelectMany(p => moved.Data.Skip(p * block).Take(block)).ToArray();
        Assert.Equal(expected, y.Permute(perm).Contiguous().ToDoubles());
        var bad = Tensor.FromArray(new[] { t.Shape[axis] });
        Assert.Throws<IndexOutOfRangeException>(() => t.IndexSelect(axis, bad));
    }

    [Fact]
    public void SlicesWithRangesAndSteps()
    {
        var t = Tensor.Arange(60, DType.Float64).Reshape(3, 4, 5);
        var s = t[1.., TensorIndex.Slice(.., 2), 1..^1];
        Assert.Equal(new[] { 2, 2, 3 }, s.Shape.ToArray());
        Assert.Same(t.Storage, s.Storage);
        Assert.Equal(new double[] { 21, 22, 23, 31, 32, 33, 41, 42, 43, 51, 52, 53 }, s.ToDoubles());
        Assert.Equal(new double[] { 45, 46, 47, 48, 49 }, t[2, 1].ToDoubles());
        Assert.Equal(new double[] { 4, 9, 14, 19 }, t[0, .., ^1].ToDoubles());
        Assert.Equal(new double[] { 1, 11 }, t.Slice(1, 0, 4, 2)[0, .., 1].ToDoubles());
        Assert.Throws<IndexOutOfRangeException>(() => t[3]);
    }

    [Fact]
    public void SqueezeUnsqueezeExpand()
    {
        var t = Tensor.Arange(3, DType.Float32).Reshape(3, 1);
        Assert.Equal(new[] { 3 }, t.Squeeze().Shape.ToArray());
        Assert.Equal(new[] { 1, 3, 1 }, t.Unsqueeze(0).Shape.ToArray());
        Assert.Equal(new[] { 3, 1, 1 }, t.Unsqueeze(-1).Shape.ToArray());
        var e = t.Expand(2, 3, 4);
        Assert.Equal(0, e.Strides[0]);
        Assert.Equal(0, e.Strides[2]);
        Assert.Equal(new double[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 }, e[1].ToDoubles());
        Assert.Throws<ArgumentException>(() => t.Squeeze(0));
        var ex = Assert.Throws<ArgumentException>(() => t.Expand(2, 4));
        Assert.Contains("(3, 1)", ex.Message);
    }

    [Property]
    public void ConcatStackSplitChunkRoundTrip(TypedOperand x, byte pieces)
    {
        if (x.X.Shape.Length == 0) return;
        var t = TensorArbitraries.Make(x.X, x.X.Values(), x.DType);
        int axis = x.X.Shape.Length - 1 - (x.X.Seed % x.X.Shape.Length);
        int n = 1 + pieces % 4;
        var parts = t.Chunk(n, axis);
        Assert.All(parts, part => Assert.Same(t.Storage, part.Storage));
        Assert.Equal(t.ToDoubles(), Tensor.Concat(parts, axis).ToDoubles());
        var stacked = Tensor.Stack([t, t * 2], axis);
        Assert.Equal(2, stacked.Shape[axis]);
        Assert.Equal(t.ToDoubles(), stacked.Narrow(axis, 0, 1).Squeeze(axis).ToDoubles());
        Assert.Equal((t * 2).ToDoubles(), stacked.Narrow(axis, 1, 1).Squeeze(axis).ToDoubles());
        var sizes = t.Split(2, axis).Select(p => p.Shape[axis]).ToArray();
        Assert.Equal(t.Shape[axis], sizes.Sum());
    }

    [Fact]
    public void GatherTakeAlongAxisIndexSelect()
    {
        var x = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var index = Tensor.FromArray(new int[,] { { 2, 0 }, { 1, 1 } });
        Assert.Equal(new float[] { 3, 1, 5, 5 }, x.Gather(1, index).ToArray<float>());
        var column = Tensor.FromArray(new int[,] { { 1 }, { 2 } });
        Assert.Equal(new float[] { 2, 6 }, x.TakeAlongAxis(column, 1).ToArray<float>());
        Assert.Equal(new float[] { 3, 1, 3, 6, 4, 6 }, x.IndexSelect(1, Tensor.FromArray(new[] { 2, 0, 2 })).ToArray<float>());
        Assert.Equal(new float[] { 4, 5, 6, 1, 2, 3 }, x.IndexSelect(0, Tensor.FromArray(new[] { 1, 0 })).ToArray<float>());
        var e = Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(1, Tensor.FromArray(new[] { 3 })));
        Assert.Contains("IndexSelect", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void ScatterAddAccumulatesRepeatedIndices()
    {
        var target = Tensor.Zeros(new Shape(2, 3));
        var index = Tensor.FromArray(new int[,] { { 0, 0, 2 }, { 1, 1, 1 } });
        var source = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new float[] { 3, 0, 3, 0, 15, 0 }, target.ScatterAdd(1, index, source).ToArray<float>());
    }

    [Fact]
    public void OneHotEncodesAndValidatesLabels()
    {
        var labels = Tensor.FromArray(new[] { 2, 0, 1 });
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, labels.OneHot(3).ToArray<float>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => labels.OneHot(2));
        Assert.Contains("[0, 2]", e.Message);
    }

    [Fact]
    public void PadSurroundsWithTheValue()
    {
        var x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var p = x.Pad([1, 0, 0, 1], -1);
        Assert.Equal(new[] { 3, 3 }, p.Shape.ToArray());
        Assert.Equal(new float[] { -1, 1, 2, -1, 3, 4, -1, -1, -1 }, p.ToArray<float>());
    }
}
