using Engine.Autodiff;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    private bool _requiresGrad;

    /// <summary>The op that produced this tensor in the current graph (null for leaves).</summary>
    internal GradNode? Node { get; set; }

    /// <summary>
    /// Whether gradients flow to this tensor. Leaves (parameters, inputs) opt in by setting it;
    /// results of recorded ops require grad when any input does. Only floating leaves can require grad.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set on a non-leaf, or to true on a non-floating tensor.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad || Node is not null;
        set
        {
            if (Node is not null)
                throw new InvalidOperationException($"RequiresGrad: can only be set on leaf tensors; this {Describe()} tensor was produced by {Node.Op}. Use Detach() for a leaf.");
            if (value && !DType.IsFloating())
                throw new InvalidOperationException($"RequiresGrad: only floating tensors can require grad, got {Describe()}.");
            _requiresGrad = value;
        }
    }

    /// <summary>True for tensors not produced by a recorded op (parameters, inputs, constants).</summary>
    public bool IsLeaf => Node is null;

    /// <summary>
    /// The gradient accumulated into this leaf by <see cref="Backward"/> (null until the first call, and
    /// after <see cref="ZeroGrad"/>). Gradients add up across calls until zeroed.
    /// </summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>
    /// Computes the gradients of this tensor with respect to every leaf that requires grad and adds them
    /// into those leaves' <see cref="Grad"/>. A one-element output needs no <paramref name="gradient"/>;
    /// otherwise pass ∂L/∂this. The graph is freed afterwards unless <paramref name="retainGraph"/>.
    /// Rules run without recording, so gradients of gradients are not supported.
    /// </summary>
    /// <exception cref="InvalidOperationException">This tensor does not require grad, is not scalar and no gradient was given, or its graph was freed.</exception>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Autograd.Backward(this, gradient, retainGraph);

    /// <summary>A leaf sharing this tensor's storage that is cut off from the graph (requires no grad).</summary>
    public Tensor Detach() => View(Shape, _strides, Offset);

    /// <summary>Clears <see cref="Grad"/> (sets it to null, as PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>
    /// this −= <paramref name="value"/> (broadcast) in place, outside the graph: for optimizer updates.
    /// </summary>
    /// <exception cref="InvalidOperationException">Grad mode is on and this tensor requires grad (wrap the update in <see cref="Autograd.NoGrad"/>).</exception>
    public void SubInPlace(Tensor value) => InPlace(BinaryOpInPlace.Sub, value, "SubInPlace");

    /// <summary>this += <paramref name="value"/> (broadcast) in place, outside the graph.</summary>
    /// <exception cref="InvalidOperationException">Grad mode is on and this tensor requires grad.</exception>
    public void AddInPlace(Tensor value) => InPlace(BinaryOpInPlace.Add, value, "AddInPlace");

    /// <summary>Copies <paramref name="source"/> (broadcast, converted to this dtype) into this tensor in place, outside the graph.</summary>
    /// <exception cref="InvalidOperationException">Grad mode is on and this tensor requires grad.</exception>
    public void Assign(Tensor source)
    {
        CheckInPlace("Assign");
        CheckDevice(this, source, "Assign");
        Backend.Copy(source.BroadcastView(Shape, "Assign"), this);
    }

    private enum BinaryOpInPlace { Add, Sub }

    private void InPlace(BinaryOpInPlace op, Tensor value, string name)
    {
        CheckInPlace(name);
        CheckPair(this, value, name);
        var kernelOp = op == BinaryOpInPlace.Add ? Engine.Kernels.Cpu.BinaryOp.Add : Engine.Kernels.Cpu.BinaryOp.Sub;
        var b = value.BroadcastView(Shape, name);
        if (IsContiguous)
        {
            // Elementwise, so reading and writing the same contiguous buffer is safe.
            Backend.Binary(kernelOp, this, b, this);
            return;
        }
        var result = Empty(Shape, DType, Device);
        Backend.Binary(kernelOp, this, b, result);
        Backend.Copy(result, this);
    }

    private void CheckInPlace(string name)
    {
        if (Autograd.IsGradEnabled && RequiresGrad)
            throw new InvalidOperationException(
                $"{name}: an in-place update of a tensor that requires grad ({Describe()}) would corrupt the graph; do it inside using (Autograd.NoGrad()) {{ … }}.");
    }

    /// <summary>A one-element view of the element at row-major position <paramref name="flat"/>.</summary>
    internal Tensor ElementView(long flat)
    {
        long offset = Offset;
        for (int d = Rank - 1; d >= 0; d--)
        {
            offset += flat % Shape[d] * _strides[d];
            flat /= Shape[d];
        }
        return View(Shape.Scalar, [], offset);
    }
}
