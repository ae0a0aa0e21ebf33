using Engine.Autodiff;
using Engine.Backends.Cpu;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements in a new shape (one size may be −1 and is inferred). A view when the tensor is
    /// contiguous, otherwise a contiguous copy — like PyTorch's <c>reshape</c>.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var y = ReshapeView(InferShape(shape, "Reshape"));
        return Autograd.Record(y, "Reshape", this, static (n, g) => [g.ReshapeView(n.Input(0).Shape)]);
    }

    /// <summary>Reshape without recording (for use inside ops); copies when not contiguous.</summary>
    internal Tensor ReshapeView(Shape target)
    {
        var source = IsContiguous ? this : ContiguousCopy();
        return source.View(target, target.ContiguousStrides(), source.Offset);
    }

    /// <summary>Collapses axes <paramref name="startAxis"/>…<paramref name="endAxis"/> into one.</summary>
    public Tensor Flatten(int startAxis = 0, int endAxis = -1)
    {
        if (Rank == 0) return Reshape(1);
        int start = Shape.NormalizeAxis(startAxis, Rank, "Flatten"), end = Shape.NormalizeAxis(endAxis, Rank, "Flatten");
        if (start > end) throw new ArgumentException($"Flatten: start axis {startAxis} comes after end axis {endAxis} for shape {Shape}.");
        var dims = new List<int>();
        for (int i = 0; i < start; i++) dims.Add(Shape[i]);
        int merged = 1;
        for (int i = start; i <= end; i++) merged *= Shape[i];
        dims.Add(merged);
        for (int i = end + 1; i < Rank; i++) dims.Add(Shape[i]);
        return Reshape([.. dims]);
    }

    /// <summary>Reorders the axes (a view): result axis i is this tensor's axis <c>axes[i]</c>.</summary>
    public Tensor Permute(params int[] axes)
    {
        if (axes.Length != Rank)
            throw new ArgumentException($"Permute: {axes.Length} axes given for a tensor of shape {Shape}.");
        var seen = new bool[Rank];
        var dims = new int[Rank];
        var strides = new long[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int a = Shape.NormalizeAxis(axes[i], Rank, "Permute");
            if (seen[a]) throw new ArgumentException($"Permute: axis {axes[i]} repeats in ({string.Join(", ", axes)}).");
            seen[a] = true;
            dims[i] = Shape[a];
            strides[i] = _strides[a];
        }
        var y = View(new Shape(dims), strides, Offset);
        return Autograd.Record(y, "Permute", this, axes, static (n, g) =>
        {
            var forward = n.State<int[]>();
            var inverse = new int[forward.Length];
            for (int i = 0; i < forward.Length; i++) inverse[Shape.NormalizeAxis(forward[i], forward.Length, "Permute")] = i;
            return [g.Permute(inverse)];
        });
    }

    /// <summary>Swaps two axes (a view).</summary>
    public Tensor Transpose(int axis0, int axis1)
    {
        int a = Shape.NormalizeAxis(axis0, Rank, "Transpose"), b = Shape.NormalizeAxis(axis1, Rank, "Transpose");
        var axes = Enumerable.Range(0, Rank).ToArray();
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>The transpose of a matrix (swaps the last two axes of a batch).</summary>
    public Tensor T => Rank < 2 ? this : Transpose(-2, -1);

    /// <summary>Removes size-1 axes: the given one, or all of them.</summary>
    public Tensor Squeeze(int? axis = null)
    {
        if (axis is int ax)
        {
            int a = Shape.NormalizeAxis(ax, Rank, "Squeeze");
            if (Shape[a] != 1) throw new ArgumentException($"Squeeze: axis {ax} of shape {Shape} has size {Shape[a]}, not 1.");
            return DropAxes([a]);
        }
        return DropAxes(Enumerable.Range(0, Rank).Where(i => Shape[i] == 1).ToArray());
    }

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/> (−1 appends).</summary>
    public Tensor Unsqueeze(int axis)
    {
        int a = Shape.NormalizeAxis(axis, Rank + 1, "Unsqueeze");
        var dims = Shape.ToArray().ToList();
        var strides = _strides.ToList();
        dims.Insert(a, 1);
        strides.Insert(a, a < Rank ? _strides[a] * Shape[a] : 1);
        var y = View(new Shape([.. dims]), [.. strides], Offset);
        return Autograd.Record(y, "Unsqueeze", this, static (n, g) => [g.ReshapeView(n.Input(0).Shape)]);
    }

    /// <summary>
    /// Broadcasts to <paramref name="shape"/> (a view with stride 0 on repeated axes), under NumPy's rules;
    /// −1 keeps a size.
    /// </summary>
    public Tensor Expand(params int[] shape) =>
        Autograd.Record(ExpandView(shape), "Expand", this, static (n, g) => [g.SumTo(n.Input(0).Shape)]);

    /// <summary>Expand without recording (for use inside ops).</summary>
    internal Tensor ExpandView(int[] shape)
    {
        if (shape.Length < Rank)
            throw new ArgumentException($"Expand: cannot expand shape {Shape} to the lower rank ({string.Join(", ", shape)}).");
        int lead = shape.Length - Rank;
        var dims = new int[shape.Length];
        var strides = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int own = i < lead ? 1 : Shape[i - lead];
            int want = shape[i] == -1 && i >= lead ? own : shape[i];
            if (own != want && own != 1)
                throw new ArgumentException($"Expand: cannot expand shape {Shape} to ({string.Join(", ", shape)}): dimension {i} is {own}, not 1 or {want}.");
            dims[i] = want;
            strides[i] = i < lead || own != want ? 0 : _strides[i - lead];
        }
        return View(new Shape(dims), strides, Offset);
    }

    /// <summary>Broadcasts to <paramref name="shape"/>.</summary>
    public Tensor BroadcastTo(Shape shape) => Shape.Equals(shape) ? this : Expand(shape.ToArray());

    /// <summary>BroadcastTo without recording (for use inside ops).</summary>
    internal Tensor BroadcastView(Shape shape, string op = "BroadcastTo")
    {
        if (Shape.Equals(shape)) return this;
        try
        {
            return ExpandView(shape.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{op}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Sums a broadcast gradient back to <paramref name="target"/> (the shape of the input that was
    /// broadcast): over leading axes the input lacked and over axes where it had size 1.
    /// </summary>
    internal Tensor SumTo(Shape target)
    {
        if (Shape.Equals(target)) return this;
        int lead = Rank - target.Rank;
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (target[i - lead] == 1 && Shape[i] != 1)) axes.Add(i);
        var summed = axes.Count == 0 ? this : Sum([.. axes], keepDims: true);
        return summed.ReshapeView(target);
    }

    /// <summary>Elements start, start+step, … below end along <paramref name="axis"/> (a view).</summary>
    public Tensor Slice(int axis, int start, int end, int step = 1) =>
        Autograd.Record(SliceView(axis, start, end, step), "Slice", this, (axis, start, end, step), static (n, g) =>
        {
            // Scatter the gradient back: zeros of the base shape, with g copied into the same view.
            var (axis, start, end, step) = n.State<(int, int, int, int)>();
            var x = n.Input(0);
            var gx = Zeros(x.Shape, x.DType, x.Device);
            var view = gx.SliceView(axis, start, end, step);
            if (view.NumElements > 0) gx.Backend.Copy(g, view);
            return [gx];
        });

    /// <summary>Slice without recording (for use inside ops).</summary>
    internal Tensor SliceView(int axis, int start, int end, int step = 1)
    {
        int a = Shape.NormalizeAxis(axis, Rank, "Slice");
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, $"Slice: step must be positive, got {step}.");
        int n = Shape[a];
        int s = Math.Clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.Clamp(end < 0 ? end + n : end, 0, n);
        int count = e > s ? (e - s + step - 1) / step : 0;
        var dims = Shape.ToArray();
        var strides = (long[])_strides.Clone();
        dims[a] = count;
        strides[a] = _strides[a] * step;
        return View(new Shape(dims), strides, Offset + (count > 0 ? s * _strides[a] : 0));
    }

    /// <summary><paramref name="length"/> elements from <paramref name="start"/> along <paramref name="axis"/> (a view).</summary>
    public Tensor Narrow(int axis, int start, int length)
    {
        int a = Shape.NormalizeAxis(axis, Rank, "Narrow");
        if (start < 0 || length < 0 || start + length > Shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: [{start}, {start + length}) is outside axis {axis} of size {Shape[a]} (shape {Shape}).");
        return Slice(a, start, start + length);
    }

    /// <summary>
    /// Indexes with integers (dropping the axis), ranges and stepped slices, e.g. <c>t[0, .., 1..^1]</c>.
    /// Missing trailing indices keep their whole axes. Returns a view.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            if (indices.Length > Rank)
                throw new ArgumentException($"Indexer: {indices.Length} indices for a tensor of shape {Shape}.");
            var result = this;
            var drop = new List<int>();
            for (int i = 0; i < indices.Length; i++)
            {
                int n = Shape[i];
                var ix = indices[i];
                if (ix.Single is Index single)
                {
                    int at = single.GetOffset(n);
                    if (at < 0 || at >= n)
                        throw new IndexOutOfRangeException($"Indexer: index {(single.IsFromEnd ? "^" : "")}{single.Value} is out of range for axis {i} of size {n} (shape {Shape}).");
                    result = result.Slice(i, at, at + 1);
                    drop.Add(i);
                }
                else
                {
                    var (start, length) = ClampRange(ix.Range, n);
                    result = result.Slice(i, start, start + length, ix.Step);
                }
            }
            return drop.Count == 0 ? result : result.DropAxes([.. drop]);
        }
    }

    /// <summary>A contiguous tensor with the same elements (this tensor itself when already contiguous).</summary>
    public Tensor Contiguous() =>
        IsContiguous ? this : Autograd.Record(ContiguousCopy(), "Contiguous", this, static (n, g) => [g]);

    /// <summary>A contiguous copy that never shares storage with this tensor.</summary>
    public Tensor Clone() => Autograd.Record(ContiguousCopy(), "Clone", this, static (n, g) => [g]);

    /// <summary>Contiguous without recording (for use inside ops).</summary>
    internal Tensor ContiguousView() => IsContiguous ? this : ContiguousCopy();

    private Tensor ContiguousCopy()
    {
        var result = Empty(Shape, DType, Device);
        Backend.Copy(this, result);
        return result;
    }

    /// <summary>The elements converted to <paramref name="dtype"/> (this tensor when it already has it).</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var result = Empty(Shape, dtype, Device);
        Backend.Copy(this, result);
        return Autograd.Record(result, "To", this, static (n, g) => [g.To(n.Input(0).DType)]);
    }

    /// <summary>
    /// This tensor on <paramref name="device"/> (itself when already there). Between the CPU and a GPU the device
    /// copies straight out of or into the CPU tensor's memory; only between two non-CPU devices does the copy go
    /// through a host buffer.
    /// </summary>
    public Tensor To(Device device)
    {
        if (device.Equals(Device)) return this;
        var source = ContiguousView();
        var result = Empty(Shape, DType, device);
        CopyAcrossDevices(source, result);
        GC.KeepAlive(source);
        GC.KeepAlive(result);
        return Autograd.Record(result, "To", this, static (n, g) => [g.To(n.Input(0).Device)]);
    }

    /// <summary>Bytes per host-side span handed to a device copy: spans are int-sized, tensors may be larger.</summary>
    private const int CrossDeviceChunkBytes = 1 << 30;

    /// <summary>Copies the contiguous <paramref name="source"/> into the new contiguous <paramref name="destination"/> on another device.</summary>
    private static unsafe void CopyAcrossDevices(Tensor source, Tensor destination)
    {
        int size = source.DType.SizeOf();
        long total = source.NumElements, chunk = CrossDeviceChunkBytes / size;
        if (source.Storage is CpuStorage host)
        {
            byte* from = (byte*)host.Pointer + source.Offset * size;
            for (long at = 0; at < total; at += chunk)
                destination.Backend.CopyFromHost(new ReadOnlySpan<byte>(from + at * size, (int)(Math.Min(chunk, total - at) * size)), destination.Storage, at);
        }
        else if (destination.Storage is CpuStorage target)
        {
            byte* to = (byte*)target.Pointer;
            for (long at = 0; at < total; at += chunk)
                source.Backend.CopyToHost(source.Storage, source.Offset + at, new Span<byte>(to + at * size, (int)(Math.Min(chunk, total - at) * size)));
        }
        else
        {
            var bytes = new byte[total * size];
            source.Backend.CopyToHost(source.Storage, source.Offset, bytes);
            destination.Backend.CopyFromHost(bytes, destination.Storage, 0);
        }
    }

    /// <summary>
    /// Moves this leaf's data to <paramref name="device"/> in place: the tensor object stays the same (so layers and
    /// optimizers holding it see the move), its storage is replaced, and its gradient moves too. For parameters and
    /// optimizer state, as PyTorch's <c>module.to(device)</c> moves <c>param.data</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not a leaf, or is a view into a larger storage.</exception>
    internal void MoveTo(Device device)
    {
        if (device.Equals(Device)) return;
        if (!IsLeaf || !IsContiguous || Offset != 0 || Storage.Count != NumElements)
            throw new InvalidOperationException($"MoveTo: only a whole leaf tensor can move in place; this {Describe()} tensor is {(IsLeaf ? "a view" : "the result of " + Node!.Op)}.");
        var moved = Detach().To(device);
        Storage = moved.Storage;
        if (Grad is not null) Grad = Grad.Detach().To(device);
    }

    private Tensor DropAxes(int[] axes) =>
        Autograd.Record(DropAxesView(axes), "Squeeze", this, static (n, g) => [g.ReshapeView(n.Input(0).Shape)]);

    private Tensor DropAxesView(int[] axes)
    {
        var dims = new List<int>();
        var strides = new List<long>();
        for (int i = 0; i < Rank; i++)
        {
            if (Array.IndexOf(axes, i) >= 0) continue;
            dims.Add(Shape[i]);
            strides.Add(_strides[i]);
        }
        return View(new Shape([.. dims]), [.. strides], Offset);
    }

    private static (int Start, int Length) ClampRange(Range range, int n)
    {
        int start = Math.Clamp(range.Start.IsFromEnd ? n - range.Start.Value : range.Start.Value, 0, n);
        int end = Math.Clamp(range.End.IsFromEnd ? n - range.End.Value : range.End.Value, 0, n);
        return (start, Math.Max(0, end - start));
    }

    private Shape InferShape(int[] shape, string op)
    {
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (unknown >= 0) throw new ArgumentException($"{op}: only one size may be -1 in ({string.Join(", ", shape)}).");
                unknown = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"{op}: size {shape[i]} in ({string.Join(", ", shape)}) is negative.");
            else known *= shape[i];
        }
        var dims = (int[])shape.Clone();
        if (unknown >= 0)
        {
            if (known == 0 || NumElements % known != 0)
                throw new ArgumentException($"{op}: cannot reshape {Shape} ({NumElements} elements) to ({string.Join(", ", shape)}).");
            dims[unknown] = (int)(NumElements / known);
        }
        var result = new Shape(dims);
        if (result.NumElements != NumElements)
            throw new ArgumentException($"{op}: cannot reshape {Shape} ({NumElements} elements) to {result} ({result.NumElements} elements).");
        return result;
    }
}
