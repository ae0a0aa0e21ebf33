using Engine.Autodiff;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>Joins tensors along an existing axis; all other sizes must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Concat: needs at least one tensor.");
        var first = tensors[0];
        int a = Shape.NormalizeAxis(axis, first.Rank, "Concat");
        int total = 0;
        foreach (var t in tensors)
        {
            CheckPair(first, t, "Concat");
            if (t.Rank != first.Rank)
                throw new ArgumentException($"Concat: ranks differ, {first.Shape} and {t.Shape}.");
            for (int d = 0; d < first.Rank; d++)
                if (d != a && t.Shape[d] != first.Shape[d])
                    throw new ArgumentException($"Concat: shapes {first.Shape} and {t.Shape} differ on axis {d}, not only on the concatenation axis {a}.");
            total += t.Shape[a];
        }
        var dims = first.Shape.ToArray();
        dims[a] = total;
        var result = Empty(new Shape(dims), first.DType, first.Device);
        int at = 0;
        foreach (var t in tensors)
        {
            if (t.Shape[a] > 0) result.Backend.Copy(t, result.SliceView(a, at, at + t.Shape[a]));
            at += t.Shape[a];
        }
        return Autograd.Record(result, "Concat", tensors, a, static (n, g) =>
        {
            int axis = n.State<int>();
            var inputs = n.Inputs;
            var grads = new Tensor?[inputs.Length];
            int at = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                int size = inputs[i].Shape[axis];
                if (inputs[i].RequiresGrad) grads[i] = g.SliceView(axis, at, at + size);
                at += size;
            }
            return grads;
        });
    }

    /// <summary>Joins same-shaped tensors along a new axis.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: needs at least one tensor.");
        foreach (var t in tensors)
            if (!t.Shape.Equals(tensors[0].Shape))
                throw new ArgumentException($"Stack: shapes differ, {tensors[0].Shape} and {t.Shape}.");
        int a = Shape.NormalizeAxis(axis, tensors[0].Rank + 1, "Stack");
        return Concat(tensors.Select(t => t.Unsqueeze(a)).ToArray(), a);
    }

    /// <summary>Views of consecutive pieces of <paramref name="size"/> along <paramref name="axis"/> (the last may be shorter).</summary>
    public Tensor[] Split(int size, int axis = 0)
    {
        int a = Shape.NormalizeAxis(axis, Rank, "Split");
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "Split: size must be positive.");
        var pieces = new List<Tensor>();
        for (int at = 0; at < Shape[a]; at += size) pieces.Add(Narrow(a, at, Math.Min(size, Shape[a] - at)));
        return [.. pieces];
    }

    /// <summary>Views of pieces with the given sizes along <paramref name="axis"/>; the sizes must add up to the axis.</summary>
    public Tensor[] Split(int[] sizes, int axis = 0)
    {
        int a = Shape.NormalizeAxis(axis, Rank, "Split");
        if (sizes.Any(s => s < 0) || sizes.Sum() != Shape[a])
            throw new ArgumentException($"Split: sizes ({string.Join(", ", sizes)}) do not add up to axis {axis} of shape {Shape}.");
        var pieces = new Tensor[sizes.Length];
        int at = 0;
        for (int i = 0; i < sizes.Length; i++) { pieces[i] = Narrow(a, at, sizes[i]); at += sizes[i]; }
        return pieces;
    }

    /// <summary><paramref name="chunks"/> nearly equal views along <paramref name="axis"/> (PyTorch's chunk).</summary>
    public Tensor[] Chunk(int chunks, int axis = 0)
    {
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "Chunk: the number of chunks must be positive.");
        int a = Shape.NormalizeAxis(axis, Rank, "Chunk");
        return Split(Math.Max(1, (Shape[a] + chunks - 1) / chunks), a);
    }

    /// <summary>
    /// Pads with a constant. <paramref name="padding"/> holds (before, after) pairs for the last axes,
    /// last axis first, as in PyTorch's <c>F.pad</c>: (left, right, top, bottom, …).
    /// </summary>
    public Tensor Pad(int[] padding, double value = 0)
    {
        if (padding.Length % 2 != 0 || padding.Length / 2 > Rank)
            throw new ArgumentException($"Pad: padding ({string.Join(", ", padding)}) must hold (before, after) pairs for at most {Rank} axes of shape {Shape}.");
        var dims = Shape.ToArray();
        var begins = new int[Rank];
        for (int p = 0; p < padding.Length / 2; p++)
        {
            int axis = Rank - 1 - p;
            if (padding[2 * p] < 0 || padding[2 * p + 1] < 0)
                throw new ArgumentException($"Pad: negative padding ({string.Join(", ", padding)}) is not supported.");
            begins[axis] = padding[2 * p];
            dims[axis] += padding[2 * p] + padding[2 * p + 1];
        }
        var result = Full(new Shape(dims), value, DType, Device);
        if (NumElements > 0) Backend.Copy(this, result.InnerView(begins, Shape));
        return Autograd.Record(result, "Pad", this, begins, static (n, g) => [g.InnerView(n.State<int[]>(), n.Input(0).Shape)]);
    }

    /// <summary>The block of <paramref name="shape"/> starting at <paramref name="begins"/> (a view, not recorded).</summary>
    private Tensor InnerView(int[] begins, Shape shape)
    {
        var inner = this;
        for (int d = 0; d < Rank; d++) inner = inner.SliceView(d, begins[d], begins[d] + shape[d]);
        return inner;
    }
}
