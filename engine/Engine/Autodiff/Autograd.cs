using Engine.Tensors;

namespace Engine.Autodiff;

/// <summary>
/// Graph recording switches and the backward engine. Ops record a <see cref="GradNode"/> only while
/// grad mode is on (the default, per thread) and some input requires a gradient.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int t_noGradDepth;

    /// <summary>True while ops on this thread record the graph (outside every <see cref="NoGrad"/> scope).</summary>
    public static bool IsGradEnabled => t_noGradDepth == 0;

    /// <summary>
    /// Turns graph recording off on this thread until the returned scope is disposed:
    /// <c>using (Autograd.NoGrad()) { … }</c>, for inference and optimizer updates. Scopes nest.
    /// </summary>
    public static NoGradScope NoGrad()
    {
        t_noGradDepth++;
        return new NoGradScope();
    }

    internal static void ExitNoGrad() => t_noGradDepth--;

    internal static bool ShouldRecord(Tensor a) => t_noGradDepth == 0 && a.RequiresGrad;

    internal static bool ShouldRecord(Tensor a, Tensor b) => t_noGradDepth == 0 && (a.RequiresGrad || b.RequiresGrad);

    /// <summary>Records <paramref name="y"/> = op(<paramref name="a"/>); a no-op (no allocation) when not recording.</summary>
    internal static Tensor Record(Tensor y, string op, Tensor a, GradRule rule)
    {
        if (!ShouldRecord(a) || ReferenceEquals(y, a) || !y.DType.IsFloating()) return y;
        y.Node = new GradNode(op, [a], y, null, rule);
        return y;
    }

    /// <summary>Records <paramref name="y"/> = op(<paramref name="a"/>) with saved <paramref name="state"/>.</summary>
    internal static Tensor Record<TState>(Tensor y, string op, Tensor a, TState state, GradRule rule)
    {
        if (!ShouldRecord(a) || ReferenceEquals(y, a) || !y.DType.IsFloating()) return y;
        y.Node = new GradNode(op, [a], y, state, rule);
        return y;
    }

    /// <summary>Records <paramref name="y"/> = op(<paramref name="a"/>, <paramref name="b"/>).</summary>
    internal static Tensor Record(Tensor y, string op, Tensor a, Tensor b, GradRule rule)
    {
        if (!ShouldRecord(a, b) || !y.DType.IsFloating()) return y;
        y.Node = new GradNode(op, [a, b], y, null, rule);
        return y;
    }

    /// <summary>Records <paramref name="y"/> = op(<paramref name="a"/>, <paramref name="b"/>) with saved state.</summary>
    internal static Tensor Record<TState>(Tensor y, string op, Tensor a, Tensor b, TState state, GradRule rule)
    {
        if (!ShouldRecord(a, b) || !y.DType.IsFloating()) return y;
        y.Node = new GradNode(op, [a, b], y, state, rule);
        return y;
    }

    /// <summary>Records <paramref name="y"/> = op(inputs…) with saved state.</summary>
    internal static Tensor Record<TState>(Tensor y, string op, IReadOnlyList<Tensor> inputs, TState state, GradRule rule)
    {
        if (t_noGradDepth != 0 || !y.DType.IsFloating()) return y;
        bool any = false;
        foreach (var t in inputs) any |= t.RequiresGrad;
        if (!any) return y;
        y.Node = new GradNode(op, [.. inputs], y, state, rule);
        return y;
    }

    /// <summary>
    /// Backpropagates from <paramref name="root"/>: visits the nodes reachable from it in reverse
    /// topological order, accumulates each node's output gradient, applies its rule, adds the results
    /// into the leaves' <see cref="Tensor.Grad"/>, and then (unless <paramref name="retainGraph"/>) frees the graph.
    /// </summary>
    internal static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                $"Backward: the tensor {root.Describe()} does not require grad and has no graph; create its inputs with requiresGrad: true (and outside Autograd.NoGrad()).");
        if (gradient is null)
        {
            if (root.NumElements != 1)
                throw new InvalidOperationException(
                    $"Backward: the output has shape {root.Shape}, not a single element; pass the output gradient, Backward(gradient), for non-scalar outputs.");
            gradient = Tensor.OnesLike(root);
        }
        else if (!gradient.Shape.Equals(root.Shape) || gradient.DType != root.DType)
            throw new ArgumentException($"Backward: the gradient {gradient.Describe()} does not match the output {root.Describe()}.");

        using var scope = NoGrad();
        // Storage already visible to the caller or held as some leaf's Grad: a leaf's first gradient is
        // copied when it shares one of these, so every Grad owns its memory (as in PyTorch).
        var shared = new HashSet<Backends.Storage>(ReferenceEqualityComparer.Instance) { gradient.Storage };
        if (root.Node is null)
        {
            AccumulateLeaf(root, gradient, shared);
            return;
        }
        var order = TopologicalOrder(root.Node);
        var grads = new Dictionary<GradNode, Tensor>(ReferenceEqualityComparer.Instance) { [root.Node] = gradient };
        for (int k = order.Count - 1; k >= 0; k--)
        {
            var node = order[k];
            if (!grads.Remove(node, out var g)) continue;
            var inputGrads = node.Apply(g);
            var inputs = node.Inputs;
            for (int i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                var gi = inputGrads[i];
                if (gi is null || !input.RequiresGrad) continue;
                if (!gi.Shape.Equals(input.Shape))
                    throw new InvalidOperationException($"Backward: the gradient rule of {node.Op} gave shape {gi.Shape} for input {i} of shape {input.Shape}.");
                if (gi.DType != input.DType) gi = gi.To(input.DType);
                if (input.Node is null) AccumulateLeaf(input, gi, shared);
                else grads[input.Node] = grads.TryGetValue(input.Node, out var sum) ? sum + gi : gi;
            }
        }
        if (!retainGraph)
            foreach (var node in order) node.Release();
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor g, HashSet<Backends.Storage> shared)
    {
        if (leaf.Grad is not null)
        {
            leaf.Grad += g;
            return;
        }
        var owned = g.IsContiguous && g.Offset == 0 && g.NumElements == g.Storage.Count && !shared.Contains(g.Storage) ? g : g.Clone();
        shared.Add(owned.Storage);
        leaf.Grad = owned;
    }

    /// <summary>Nodes reachable from <paramref name="root"/>, every node after all nodes it feeds from (iterative DFS post-order).</summary>
    private static List<GradNode> TopologicalOrder(GradNode root)
    {
        var order = new List<GradNode>();
        var visited = new HashSet<GradNode>(ReferenceEqualityComparer.Instance) { root };
        var stack = new Stack<(GradNode Node, int Next)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.Inputs; // throws a clear error when this part of the graph was freed
            if (next < inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = inputs[next].Node;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else order.Add(node);
        }
        return order;
    }
}

/// <summary>The scope returned by <see cref="Autograd.NoGrad"/>; disposing it restores grad mode.</summary>
public readonly struct NoGradScope : IDisposable
{
    /// <summary>Leaves the no-grad scope.</summary>
    public void Dispose() => Autograd.ExitNoGrad();
}
