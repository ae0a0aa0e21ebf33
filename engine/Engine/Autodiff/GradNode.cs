using Engine.Tensors;

namespace Engine.Autodiff;

/// <summary>
/// The gradient rule of one op: given the node (inputs, output, saved state) and the gradient of the
/// output, returns one gradient per input (null where an input needs none).
/// </summary>
internal delegate Tensor?[] GradRule(GradNode node, Tensor grad);

/// <summary>
/// One recorded op in the graph: its inputs, its output, whatever its rule saved, and the rule.
/// <see cref="Release"/> drops all of them after a backward pass, so a freed graph holds no memory.
/// </summary>
internal sealed class GradNode
{
    private Tensor[]? _inputs;
    private Tensor? _output;
    private object? _state;
    private GradRule? _rule;

    internal GradNode(string op, Tensor[] inputs, Tensor output, object? state, GradRule rule)
    {
        Op = op;
        _inputs = inputs;
        _output = output;
        _state = state;
        _rule = rule;
    }

    /// <summary>The op's name, for error messages.</summary>
    internal string Op { get; }

    internal bool IsReleased => _rule is null;

    internal Tensor[] Inputs => _inputs ?? throw Freed();

    internal Tensor Input(int i) => Inputs[i];

    internal Tensor Output => _output ?? throw Freed();

    internal T State<T>() => (T)_state!;

    /// <summary>True when input <paramref name="i"/> needs a gradient (lets rules skip unused work).</summary>
    internal bool NeedsGrad(int i) => Inputs[i].RequiresGrad;

    internal Tensor?[] Apply(Tensor grad) => (_rule ?? throw Freed())(this, grad);

    internal void Release()
    {
        _inputs = null;
        _output = null;
        _state = null;
        _rule = null;
    }

    private InvalidOperationException Freed() => new(
        $"Backward: the graph through {Op} has already been freed by an earlier Backward(); " +
        "pass retainGraph: true to the first Backward() to backpropagate through the same graph twice.");
}
