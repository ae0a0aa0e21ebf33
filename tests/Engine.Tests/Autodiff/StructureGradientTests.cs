using Engine.Tensors;
using Engine.Tests.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Autodiff;

/// <summary>A matrix-product case: operand shapes covering vectors, matrices and broadcast batches.</summary>
public sealed record MatMulCase(Operand A, Operand B)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"A={A} B={B}";
}

/// <summary>Generators of matrix-product cases.</summary>
public static class MatMulArbitraries
{
    /// <summary>vector·vector, vector·matrix, matrix·vector, matrix·matrix and batched with broadcasting.</summary>
    public static Arbitrary<MatMulCase> Cases() => Arb.From(
        from m in Gen.Choose(1, 4)
        from k in Gen.Choose(1, 4)
        from n in Gen.Choose(1, 4)
        from batch in Gen.Choose(1, 3)
        from kind in Gen.Choose(0, 5)
        let shapes = kind switch
        {
            0 => (new[] { k }, new[] { k }),
            1 => (new[] { k }, new[] { k, n }),
            2 => (new[] { m, k }, new[] { k }),
            3 => (new[] { m, k }, new[] { k, n }),
            4 => (new[] { batch, 1, m, k }, new[] { 2, k, n }),
            _ => (new[] { batch, m, k }, new[] { k, n }),
        }
        from layoutA in TensorArbitraries.Layouts()
        from layoutB in TensorArbitraries.Layouts()
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new MatMulCase(new Operand(shapes.Item1, layoutA, seed), new Operand(shapes.Item2, layoutB, seed / 2 + 1)));
}

/// <summary>Matrix products, views, joins, gathers and padding: gradients against central differences in float64.</summary>
[Properties(Arbitrary = [typeof(GradArbitraries), typeof(MatMulArbitraries)], MaxTest = 25)]
public class StructureGradientTests
{
    [Property(MaxTest = 40)] public void MatMul(MatMulCase c) => Grad.Check(t => t[0].MatMul(t[1]), Grad.Make(c.A), Grad.Make(c.B));

    [Property(MaxTest = 15)]
    public void MatMulFloat32(MatMulCase c) =>
        Engine.Autodiff.GradCheck.Assert(t => t[0].MatMul(t[1]).Tanh(), [Grad.Make32(c.A), Grad.Make32(c.B)]);

    [Property]
    public void ReshapeAndFlatten(GradOperand x)
    {
        var dims = x.X.Shape.Reverse().ToArray();
        // Multiplying by a position-dependent tensor makes a wrong element order visible.
        Grad.Check(t => t[0].Reshape(dims) * Weights(dims) + t[0].Flatten().Reshape(dims) + t[0].Reshape(-1).Sum(), Grad.Make(x.X));
    }

    [Property]
    public void PermuteTransposeAndT(GradOperand x, int seed)
    {
        int rank = x.X.Shape.Length;
        var random = new Random(seed);
        var perm = Enumerable.Range(0, rank).OrderBy(_ => random.Next()).ToArray();
        Grad.Check(t =>
        {
            var p = t[0].Permute(perm);
            var result = p * Weights(p.Shape.ToArray());
            if (rank >= 2) result = result.Sum() + (t[0].Transpose(0, rank - 1) * Weights(t[0].Transpose(0, rank - 1).Shape.ToArray())).Sum() + t[0].T.Square().Sum();
            return result;
        }, Grad.Make(x.X));
    }

    [Property]
    public void SlicesNarrowAndIndexer(GradOperand x, PositiveInt step)
    {
        if (x.X.Shape.Length == 0) return;
        int s = step.Get % 3 + 1;
        int n = x.X.Shape[0];
        Grad.Check(t =>
        {
            var a = t[0].Slice(0, n / 3, n, s);
            var b = t[0].Narrow(0, 0, (n + 1) / 2);
            var c = t[0][TensorIndex.Slice(.., s)];
            var d = t[0][n - 1];
            return (a * Weights(a.Shape.ToArray())).Sum() + (b * Weights(b.Shape.ToArray())).Sum() + c.Square().Sum() + (d * Weights(d.Shape.ToArray())).Sum();
        }, Grad.Make(x.X));
    }

    [Property]
    public void ExpandBroadcastSqueezeUnsqueeze(GradOperand x)
    {
        var dims = x.X.Shape;
        Grad.Check(t =>
        {
            var e = t[0].Unsqueeze(0).Expand([3, .. dims]);
            var b = t[0].BroadcastTo(new Shape([2, .. dims]));
            var s = t[0].Unsqueeze(-1).Squeeze(-1).Unsqueeze(0).Squeeze();
            return (e * Weights(e.Shape.ToArray())).Sum() + (b * Weights(b.Shape.ToArray())).Sum() + (s * Weights(s.Shape.ToArray())).Sum();
        }, Grad.Make(x.X));
    }

    [Property]
    public void ConcatStackSplitChunk(GradPair p)
    {
        if (p.A.Shape.Length == 0 && p.B.Shape.Length == 0) return;
        Grad.Check(t =>
        {
            var u = t[0] * t[1]; // the broadcast shape, rank ≥ 1
            var joined = Tensor.Concat([u, t[0].BroadcastTo(u.Shape).Square(), t[1].BroadcastTo(u.Shape)], axis: -1);
            var stacked = Tensor.Stack([u, u * 2.0], axis: 0);
            var pieces = joined.Split(2, axis: -1);
            var chunks = stacked.Chunk(2, axis: 0);
            var sizes = new[] { 1, u.Shape[-1] * 3 - 1 };
            var uneven = joined.Split(sizes, axis: -1);
            return (pieces[^1] * Weights(pieces[^1].Shape.ToArray())).Sum() + (pieces[0] * Weights(pieces[0].Shape.ToArray())).Sum()
                + (chunks[^1] * Weights(chunks[^1].Shape.ToArray())).Sum() + (uneven[1] * Weights(uneven[1].Shape.ToArray())).Sum()
                + (joined * Weights(joined.Shape.ToArray())).Sum();
        }, Grad.Make(p.A), Grad.Make(p.B));
    }

    [Property]
    public void GatherIndexSelectTakeAlongAxisWithRepeats(GradReduction c, int seed)
    {
        var x = Grad.Make(c.X);
        int axis = c.Axes[0] < 0 ? c.Axes[0] + x.Rank : c.Axes[0];
        var random = new Random(seed);
        int size = x.Shape[axis];
        // Twice as many indices as positions, so some repeat and their gradients must add up.
        var indexDims = x.Shape.ToArray();
        indexDims[axis] = 2 * size;
        // Gather's index may also be shorter than the input on the other axes.
        for (int d = 0; d < indexDims.Length; d++)
            if (d != axis && random.Next(2) == 0) indexDims[d] = Math.Max(1, indexDims[d] - 1);
        var index = RandomIndex(indexDims, size, random);
        var select = RandomIndex([2 * size + 1], size, random);
        var alongDims = x.Shape.ToArray();
        alongDims[axis] = 3;
        alongDims[0] = axis == 0 ? 3 : 1; // broadcasts along axis 0 unless that is the gather axis
        var along = RandomIndex(alongDims, size, random);
        Grad.Check(t =>
        {
            var g = t[0].Gather(axis, index);
            var s = t[0].IndexSelect(axis, select);
            var a = t[0].TakeAlongAxis(along, axis);
            return (g * Weights(g.Shape.ToArray())).Sum() + (s * Weights(s.Shape.ToArray())).Sum() + (a * Weights(a.Shape.ToArray())).Sum();
        }, x);
    }

    [Property]
    public void ScatterAddBothInputs(GradReduction c, int seed)
    {
        var x = Grad.Make(c.X);
        int axis = c.Axes[0] < 0 ? c.Axes[0] + x.Rank : c.Axes[0];
        var dims = x.Shape.ToArray();
        dims[axis] = 2 * dims[axis];
        var index = RandomIndex(dims, x.Shape[axis], new Random(seed));
        var source = Tensor.Uniform(new Shape(dims), -1, 1, DType.Float64, new Generator((ulong)(seed & 0xffff)));
        Grad.Check(t => t[0].ScatterAdd(axis, index, t[1]) * Weights(x.Shape.ToArray()), x, source);
    }

    [Property]
    public void PadContiguousCloneAndDTypeRoundTrip(GradOperand x)
    {
        var input = Grad.Make(x.X);
        if (input.Rank == 0) return;
        var padding = input.Rank >= 2 ? new[] { 1, 2, 0, 1 } : new[] { 2, 1 };
        Grad.Check(t =>
        {
            var padded = t[0].Pad(padding, value: 0.5);
            return (padded * Weights(padded.Shape.ToArray())).Sum() + t[0].T.Contiguous().Square().Sum() + t[0].Clone().Exp().Sum()
                + t[0].To(DType.Float64).Sum();
        }, input);
    }

    [Fact]
    public void DTypeConversionSendsTheGradientBackInTheInputDType()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }, requiresGrad: true);
        (x.To(DType.Float32) * 2.0).Sum().Backward();
        Assert.Equal(DType.Float64, x.Grad!.DType);
        Assert.Equal(new double[] { 2, 2, 2 }, x.Grad.ToArray<double>());
    }

    private static Tensor Weights(int[] dims)
    {
        long n = dims.Aggregate(1L, (p, d) => p * d);
        return Tensor.Arange(1, n + 1, 1, DType.Float64).Reshape(dims) / (double)n;
    }

    private static Tensor RandomIndex(int[] dims, int size, Random random)
    {
        var values = new int[dims.Aggregate(1, (p, d) => p * d)];
        for (int i = 0; i < values.Length; i++) values[i] = random.Next(size);
        return Tensor.FromArray(values, new Shape(dims));
    }
}
