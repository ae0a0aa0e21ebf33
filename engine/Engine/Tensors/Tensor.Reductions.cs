using Engine.Autodiff;
using Engine.Kernels.Cpu;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>Sum over <paramref name="axes"/> (all axes when null), keeping reduced axes as size 1 when <paramref name="keepDims"/>.</summary>
    public Tensor Sum(int[]? axes = null, bool keepDims = false) => Reduce(ReduceOp.Sum, axes, keepDims, "Sum");
    /// <summary>Sum over one axis.</summary>
    public Tensor Sum(int axis, bool keepDims = false) => Sum([axis], keepDims);

    /// <summary>Mean over <paramref name="axes"/> (all when null).</summary>
    public Tensor Mean(int[]? axes = null, bool keepDims = false)
    {
        RequireFloating(DType, "Mean");
        long count = ReducedCount(axes, "Mean");
        return Sum(axes, keepDims) / count;
    }
    /// <summary>Mean over one axis.</summary>
    public Tensor Mean(int axis, bool keepDims = false) => Mean([axis], keepDims);

    /// <summary>
    /// Maximum over <paramref name="axes"/> (all when null); NaN propagates. The gradient goes to one
    /// position per slice: the first maximum in row-major order of the reduced axes (as <see cref="ArgMax"/>).
    /// </summary>
    public Tensor Max(int[]? axes = null, bool keepDims = false) => Reduce(ReduceOp.Max, axes, keepDims, "Max");
    /// <summary>Maximum over one axis.</summary>
    public Tensor Max(int axis, bool keepDims = false) => Max([axis], keepDims);

    /// <summary>Minimum over <paramref name="axes"/> (all when null); NaN propagates. The gradient goes to the first minimum, as for <see cref="Max(int[], bool)"/>.</summary>
    public Tensor Min(int[]? axes = null, bool keepDims = false) => Reduce(ReduceOp.Min, axes, keepDims, "Min");
    /// <summary>Minimum over one axis.</summary>
    public Tensor Min(int axis, bool keepDims = false) => Min([axis], keepDims);

    /// <summary>
    /// Variance over <paramref name="axes"/>, dividing by N − <paramref name="correction"/> (1 = unbiased,
    /// PyTorch's default; 0 = population, NumPy's default). Computed in two passes for accuracy.
    /// </summary>
    public Tensor Var(int[]? axes = null, bool keepDims = false, int correction = 1)
    {
        RequireFloating(DType, "Var");
        long count = ReducedCount(axes, "Var");
        var centered = this - Mean(axes, keepDims: true);
        return (centered * centered).Sum(axes, keepDims) / Math.Max(0, count - correction);
    }
    /// <summary>Variance over one axis.</summary>
    public Tensor Var(int axis, bool keepDims = false, int correction = 1) => Var([axis], keepDims, correction);

    /// <summary>Standard deviation: √<see cref="Var(int[], bool, int)"/>.</summary>
    public Tensor Std(int[]? axes = null, bool keepDims = false, int correction = 1) => Var(axes, keepDims, correction).Sqrt();
    /// <summary>Standard deviation over one axis.</summary>
    public Tensor Std(int axis, bool keepDims = false, int correction = 1) => Std([axis], keepDims, correction);

    /// <summary>log Σ eˣ over <paramref name="axes"/>, stable for large inputs (max-shifted).</summary>
    public Tensor LogSumExp(int[]? axes = null, bool keepDims = false)
    {
        RequireFloating(DType, "LogSumExp");
        // The shift cancels in value and gradient, so it is computed outside the graph.
        Tensor shift;
        using (Autograd.NoGrad())
        {
            var max = Max(axes, keepDims: true);
            // An all −∞ (or ±∞) slice would give ∞ − ∞; shift by 0 there instead, as PyTorch does.
            shift = Where(max.Abs().Eq(double.PositiveInfinity), ZerosLike(max), max);
        }
        var result = (this - shift).Exp().Sum(axes, keepDims: true).Log() + shift;
        return keepDims ? result : result.Squeeze(NormalizeAxes(axes, "LogSumExp"));
    }
    /// <summary>log Σ eˣ over one axis.</summary>
    public Tensor LogSumExp(int axis, bool keepDims = false) => LogSumExp([axis], keepDims);

    /// <summary>Index (int32) of the first maximum along <paramref name="axis"/>, or in the flattened tensor when null.</summary>
    public Tensor ArgMax(int? axis = null, bool keepDims = false) => ArgReduce(ArgReduceOp.ArgMax, axis, keepDims, "ArgMax");

    /// <summary>Index (int32) of the first minimum along <paramref name="axis"/>, or in the flattened tensor when null.</summary>
    public Tensor ArgMin(int? axis = null, bool keepDims = false) => ArgReduce(ArgReduceOp.ArgMin, axis, keepDims, "ArgMin");

    /// <summary>Softmax along <paramref name="axis"/> (max-shifted, so large inputs are safe).</summary>
    public Tensor Softmax(int axis = -1) => SoftmaxCore(axis, log: false, "Softmax");

    /// <summary>Log-softmax along <paramref name="axis"/>: x − max − log Σ e^(x − max).</summary>
    public Tensor LogSoftmax(int axis = -1) => SoftmaxCore(axis, log: true, "LogSoftmax");

    private Tensor SoftmaxCore(int axis, bool log, string name)
    {
        RequireFloating(DType, name);
        if (Rank == 0) throw new ArgumentException($"{name}: needs at least one axis, got a scalar.");
        int a = Shape.NormalizeAxis(axis, Rank, name);
        var y = Empty(Shape, DType, Device);
        Backend.Softmax(ContiguousView(), a, y, log);
        return log
            ? Autograd.Record(y, name, this, a, static (n, g) => [g - n.Output.Exp() * g.Sum(n.State<int>(), keepDims: true)])
            : Autograd.Record(y, name, this, a, static (n, g) =>
            {
                var y = n.Output;
                return [y * (g - (g * y).Sum(n.State<int>(), keepDims: true))];
            });
    }

    private Tensor Reduce(ReduceOp op, int[]? axes, bool keepDims, string name)
    {
        if (DType == DType.Bool) throw new ArgumentException($"{name}: not defined on bool tensors ({Describe()}); convert with To(DType.Int32) first.");
        var reduced = NormalizeAxes(axes, name);
        if (op != ReduceOp.Sum)
            foreach (int a in reduced)
                if (Shape[a] == 0)
                    throw new ArgumentException($"{name}: axis {a} of shape {Shape} is empty, and {name} of nothing is undefined.");
        var current = ContiguousView();
        // Reduce runs of adjacent axes in one call, last run first, so earlier axis numbers stay valid.
        foreach (var (start, count) in AdjacentRuns(reduced).Reverse())
        {
            var dims = current.Shape.ToArray();
            for (int i = start; i < start + count; i++) dims[i] = 1;
            var y = Empty(new Shape(dims), DType, Device);
            Backend.Reduce(op, current, start, count, y);
            current = y;
        }
        var result = keepDims ? current : current.SqueezeView(reduced);
        if (!Autograd.ShouldRecord(this)) return result;
        return op == ReduceOp.Sum
            ? Autograd.Record(result, name, this, reduced, static (n, g) =>
            {
                // Every input element of a slice receives that slice's gradient.
                var x = n.Input(0);
                return [g.ReshapeView(KeptShape(x.Shape, n.State<int[]>())).ExpandView(x.Shape.ToArray())];
            })
            : Autograd.Record(result, name, this, (op, reduced), static (n, g) =>
            {
                var (op, axes) = n.State<(ReduceOp, int[])>();
                return [RouteToExtreme(n.Input(0), axes, g, op == ReduceOp.Max ? ArgReduceOp.ArgMax : ArgReduceOp.ArgMin)];
            });
    }

    private static Shape KeptShape(Shape shape, int[] reducedAxes)
    {
        var dims = shape.ToArray();
        foreach (int a in reducedAxes) dims[a] = 1;
        return new Shape(dims);
    }

    /// <summary>
    /// The gradient of Max/Min over <paramref name="axes"/>: moves the reduced axes last, flattens them,
    /// finds the first extreme of each slice and scatters that slice's gradient there.
    /// </summary>
    private static Tensor RouteToExtreme(Tensor x, int[] axes, Tensor g, ArgReduceOp op)
    {
        var kept = Enumerable.Range(0, x.Rank).Where(d => Array.IndexOf(axes, d) < 0).ToArray();
        int[] perm = [.. kept, .. axes];
        var keptDims = kept.Select(d => x.Shape[d]).ToArray();
        int slice = axes.Aggregate(1, (p, d) => p * x.Shape[d]);
        var rows = x.Permute(perm).ReshapeView(new Shape([.. keptDims, slice]));
        var at = rows.ArgReduce(op, -1, keepDims: true, op == ArgReduceOp.ArgMax ? "ArgMax" : "ArgMin");
        var routed = Zeros(rows.Shape, x.DType, x.Device).ScatterAdd(-1, at, g.ReshapeView(new Shape([.. keptDims, 1])));
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return routed.ReshapeView(new Shape([.. keptDims, .. axes.Select(d => x.Shape[d])])).Permute(inverse);
    }

    private Tensor ArgReduce(ArgReduceOp op, int? axis, bool keepDims, string name)
    {
        if (!DType.IsFloating() && DType != DType.Int32) throw new ArgumentException($"{name}: not defined on {Describe()}.");
        if (axis is null)
        {
            var flat = ReshapeView(new Shape(checked((int)NumElements)));
            var index = flat.ArgReduce(op, 0, keepDims: false, name);
            return keepDims ? index.ReshapeView(new Shape(Enumerable.Repeat(1, Rank).ToArray())) : index;
        }
        int a = Shape.NormalizeAxis(axis.Value, Rank, name);
        if (Shape[a] == 0) throw new ArgumentException($"{name}: axis {a} of shape {Shape} is empty.");
        var dims = Shape.ToArray();
        dims[a] = 1;
        var y = Empty(new Shape(dims), DType.Int32, Device);
        Backend.ArgReduce(op, ContiguousView(), a, y);
        return keepDims ? y : y.Squeeze(a);
    }

    private Tensor Squeeze(int[] axes) => DropAxes(axes);

    private Tensor SqueezeView(int[] axes) => DropAxesView(axes);

    private int[] NormalizeAxes(int[]? axes, string op)
    {
        if (axes is null) return Enumerable.Range(0, Rank).ToArray();
        var normalized = axes.Select(a => Shape.NormalizeAxis(a, Rank, op)).ToArray();
        if (normalized.Distinct().Count() != normalized.Length)
            throw new ArgumentException($"{op}: axes ({string.Join(", ", axes)}) repeat an axis of shape {Shape}.");
        Array.Sort(normalized);
        return normalized;
    }

    private long ReducedCount(int[]? axes, string op)
    {
        long count = 1;
        foreach (int a in NormalizeAxes(axes, op)) count *= Shape[a];
        return count;
    }

    private static IEnumerable<(int Start, int Count)> AdjacentRuns(int[] sortedAxes)
    {
        int i = 0;
        while (i < sortedAxes.Length)
        {
            int j = i;
            while (j + 1 < sortedAxes.Length && sortedAxes[j + 1] == sortedAxes[j] + 1) j++;
            yield return (sortedAxes[i], j - i + 1);
            i = j + 1;
        }
    }
}
