using Engine.Autodiff;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// PyTorch's gather: out[i][j][k] = x[i][index[i][j][k]][k] along <paramref name="axis"/>. index is
    /// int32 with the rank of x and sizes no larger than x's on the other axes.
    /// </summary>
    public Tensor Gather(int axis, Tensor index)
    {
        int a = CheckIndexTensor(axis, index, "Gather");
        var dims = Shape.ToArray();
        for (int d = 0; d < Rank; d++)
        {
            if (d == a) continue;
            if (index.Shape[d] > dims[d])
                throw new ArgumentException($"Gather: index shape {index.Shape} is larger than input shape {Shape} on axis {d}.");
            dims[d] = index.Shape[d];
        }
        var source = this;
        for (int d = 0; d < Rank; d++)
            if (d != a && dims[d] != Shape[d]) source = source.SliceView(d, 0, dims[d]);
        var y = GatherCore(source, a, index, index.Shape, "Gather");
        return Autograd.Record(y, "Gather", this, (a, index), static (n, g) =>
        {
            var (axis, index) = n.State<(int, Tensor)>();
            return [ZerosLike(n.Input(0)).ScatterAdd(axis, index, g)];
        });
    }

    /// <summary>
    /// NumPy's take_along_axis: like <see cref="Gather"/>, but the other axes of x and index broadcast.
    /// </summary>
    public Tensor TakeAlongAxis(Tensor index, int axis)
    {
        int a = CheckIndexTensor(axis, index, "TakeAlongAxis");
        var xDims = Shape.ToArray();
        xDims[a] = index.Shape[a];
        var outShape = Shape.Broadcast(new Shape(xDims), index.Shape, "TakeAlongAxis");
        var sourceDims = outShape.ToArray();
        sourceDims[a] = Shape[a];
        var expandedIndex = index.BroadcastView(outShape);
        var y = GatherCore(ExpandView(sourceDims), a, expandedIndex, outShape, "TakeAlongAxis");
        return Autograd.Record(y, "TakeAlongAxis", this, (a, expandedIndex, sourceDims), static (n, g) =>
        {
            var (axis, index, dims) = n.State<(int, Tensor, int[])>();
            var x = n.Input(0);
            return [Zeros(new Shape(dims), x.DType, x.Device).ScatterAdd(axis, index, g).SumTo(x.Shape)];
        });
    }

    /// <summary>The entries at the positions in the 1-D int32 <paramref name="index"/> along <paramref name="axis"/>.</summary>
    public Tensor IndexSelect(int axis, Tensor index)
    {
        int a = Shape.NormalizeAxis(axis, Rank, "IndexSelect");
        if (index.Rank != 1 || index.DType != DType.Int32)
            throw new ArgumentException($"IndexSelect: index must be a 1-D int32 tensor, got {index.Describe()}.");
        var outDims = Shape.ToArray();
        outDims[a] = index.Shape[0];
        var indexDims = Enumerable.Repeat(1, Rank).ToArray();
        indexDims[a] = index.Shape[0];
        var expanded = index.ReshapeView(new Shape(indexDims)).ExpandView(outDims);
        var y = GatherCore(this, a, expanded, new Shape(outDims), "IndexSelect");
        return Autograd.Record(y, "IndexSelect", this, (a, expanded), static (n, g) =>
        {
            var (axis, index) = n.State<(int, Tensor)>();
            return [ZerosLike(n.Input(0)).ScatterAdd(axis, index, g)];
        });
    }

    /// <summary>
    /// One-hot encoding of int32 labels: a float tensor with a new last axis of size
    /// <paramref name="numClasses"/>. Labels outside [0, numClasses) throw.
    /// </summary>
    public Tensor OneHot(int numClasses, DType dtype = DType.Float32)
    {
        if (DType != DType.Int32) throw new ArgumentException($"OneHot: labels must be int32, got {Describe()}.");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "OneHot: numClasses must be positive.");
        if (NumElements > 0)
        {
            int low = Min().Item<int>(), high = Max().Item<int>();
            if (low < 0 || high >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(numClasses), $"OneHot: labels span [{low}, {high}], outside [0, {numClasses}).");
        }
        var classes = Arange(0, numClasses, 1, DType.Int32, Device);
        return Unsqueeze(-1).Eq(classes).To(dtype);
    }

    /// <summary>
    /// Adds <paramref name="source"/> into a copy of this tensor at <paramref name="index"/> along
    /// <paramref name="axis"/> (the adjoint of <see cref="Gather"/>); repeated indices accumulate.
    /// </summary>
    public Tensor ScatterAdd(int axis, Tensor index, Tensor source)
    {
        int a = CheckIndexTensor(axis, index, "ScatterAdd");
        CheckPair(this, source, "ScatterAdd");
        if (!index.Shape.Equals(source.Shape))
            throw new ArgumentException($"ScatterAdd: index shape {index.Shape} and source shape {source.Shape} differ.");
        for (int d = 0; d < Rank; d++)
            if (d != a && index.Shape[d] > Shape[d])
                throw new ArgumentException($"ScatterAdd: index shape {index.Shape} is larger than target shape {Shape} on axis {d}.");
        var result = ContiguousCopy();
        var target = result;
        for (int d = 0; d < Rank; d++)
            if (d != a && index.Shape[d] != Shape[d]) target = target.SliceView(d, 0, index.Shape[d]);
        Backend.ScatterAdd(target, a, index, source);
        return Autograd.Record(result, "ScatterAdd", this, source, (a, index), static (n, g) =>
        {
            var (axis, index) = n.State<(int, Tensor)>();
            return [n.NeedsGrad(0) ? g : null, n.NeedsGrad(1) ? g.Gather(axis, index) : null];
        });
    }

    private int CheckIndexTensor(int axis, Tensor index, string op)
    {
        int a = Shape.NormalizeAxis(axis, Rank, op);
        if (index.DType != DType.Int32)
            throw new ArgumentException($"{op}: index must be int32, got {index.Describe()}.");
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index rank {index.Rank} ({index.Shape}) differs from input rank {Rank} ({Shape}).");
        CheckDevice(this, index, op);
        return a;
    }

    private static Tensor GatherCore(Tensor source, int axis, Tensor index, Shape outShape, string op)
    {
        var y = Empty(outShape, source.DType, source.Device);
        try
        {
            source.Backend.Gather(source, axis, index, y);
        }
        catch (IndexOutOfRangeException e)
        {
            throw new IndexOutOfRangeException($"{op}: {e.Message} (input {source.Shape}, axis {axis}, index {index.Shape}).", e);
        }
        return y;
    }
}
