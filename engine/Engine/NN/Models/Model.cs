using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A network of layers: built from symbolic inputs and outputs (the functional API), or layer by layer as a
/// <see cref="Sequential"/>. A model is itself a layer, so models nest. Training lives in <see cref="Compile"/>,
/// <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>.
/// </summary>
public partial class Model : Layer
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<SymbolicTensor> _inputs = [];
    private readonly List<SymbolicTensor> _outputs = [];

    /// <summary>A functional model from one input to one output.</summary>
    /// <param name="input">The model input (an <see cref="Input"/> converts).</param>
    /// <param name="output">The symbolic output of the last layer.</param>
    /// <param name="name">The model name.</param>
    public Model(SymbolicTensor input, SymbolicTensor output, string? name = null) : this([input], [output], name) { }

    /// <summary>A functional model with several inputs and outputs.</summary>
    /// <param name="inputs">The model inputs, in the order <see cref="Predict(IReadOnlyList{Tensor}, int)"/> takes them.</param>
    /// <param name="outputs">The outputs.</param>
    /// <param name="name">The model name.</param>
    public Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(name)
    {
        if (inputs.Count == 0 || outputs.Count == 0) throw new ArgumentException("Model: needs at least one input and one output.");
        if (inputs.Any(i => i.Producer is not NN.Input))
            throw new ArgumentException("Model: every input must come from an Input.");
        _inputs.AddRange(inputs);
        _outputs.AddRange(outputs);
        Wire();
        EnsureBuilt(inputs.Select(i => i.Shape).ToList(), null);
    }

    /// <summary>For <see cref="Sequential"/>, which wires itself as layers are added.</summary>
    /// <param name="name">The model name.</param>
    private protected Model(string? name) : base(name) { }

    /// <summary>The layers in execution order (inputs included), each once.</summary>
    public virtual IReadOnlyList<Layer> Layers => _nodes.Select(n => n.Layer).Distinct().ToList();

    /// <inheritdoc/>
    public override IReadOnlyList<Weight> Weights => Layers.SelectMany(l => l.Weights).Distinct().ToList();

    /// <summary>
    /// The weights training updates: none when the model itself is frozen, else each layer's own trainable weights,
    /// so a layer frozen inside a nested model stays frozen (as in Keras).
    /// </summary>
    public override IEnumerable<Weight> TrainableWeights => Trainable ? Layers.SelectMany(l => l.TrainableWeights).Distinct() : [];

    /// <summary>The per-sample shapes of the inputs.</summary>
    public IReadOnlyList<int[]> InputShapes => _inputs.Select(i => i.Shape).ToList();

    /// <summary>The per-sample shape of the (first) output.</summary>
    public int[] OutputShapeOfModel => _outputs[0].Shape;

    /// <summary>(Re)wires the graph from <see cref="_inputs"/> and <see cref="_outputs"/>: a depth-first topological order of the nodes.</summary>
    private protected void Wire()
    {
        _nodes.Clear();
        var ids = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var input in _inputs) ids[input] = ids.Count;
        foreach (var input in _inputs) _nodes.Add(new GraphNode(input.Producer, [], ids[input]));
        void Visit(SymbolicTensor t, HashSet<SymbolicTensor> path)
        {
            if (ids.ContainsKey(t)) return;
            if (t.Inputs.Count == 0)
                throw new ArgumentException($"Model: output depends on {t.Producer.Name}, which is not one of the model's inputs.");
            if (!path.Add(t)) throw new ArgumentException($"Model: the graph has a cycle through {t.Producer.Name}.");
            foreach (var i in t.Inputs) Visit(i, path);
            ids[t] = ids.Count;
            _nodes.Add(new GraphNode(t.Producer, t.Inputs.Select(i => ids[i]).ToArray(), ids[t]));
        }
        _outputIds.Clear();
        foreach (var output in _outputs)
        {
            Visit(output, new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance));
            _outputIds[output] = ids[output];
        }
    }

    /// <summary>Replaces the model's inputs and outputs and rewires (Sequential).</summary>
    private protected void SetGraph(SymbolicTensor input, SymbolicTensor output)
    {
        _inputs.Clear(); _outputs.Clear();
        _inputs.Add(input); _outputs.Add(output);
        Wire();
    }

    /// <summary>Whether the graph has inputs yet (a Sequential without an Input has none until it sees data).</summary>
    private protected bool IsWired => _inputs.Count > 0;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Forward([input], training);

    /// <inheritdoc/>
    protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => Run(inputs, training, linearLast: false);

    /// <summary>Runs the graph; with <paramref name="linearLast"/> the last layer stops before its activation (logits for a fused loss).</summary>
    private protected Tensor Run(IReadOnlyList<Tensor> inputs, bool training, bool linearLast)
    {
        if (inputs.Count != _inputs.Count)
            throw new ArgumentException($"{Name}: expects {_inputs.Count} input(s), got {inputs.Count}.");
        var values = new Tensor?[_nodes.Count];
        for (int i = 0; i < _inputs.Count; i++)
        {
            if (!Layer.PerSample(inputs[i]).SequenceEqual(_inputs[i].Shape))
                throw new ArgumentException($"{Name}: input {i} must have per-sample shape {Format(_inputs[i].Shape)}, got batch {inputs[i].Shape}.");
            values[i] = OnDevice(inputs[i]);
        }
        var last = _nodes[^1];
        foreach (var node in _nodes.Skip(_inputs.Count))
        {
            var args = node.Inputs.Select(id => values[id]!).ToList();
            values[node.Output] = linearLast && ReferenceEquals(node, last) && node.Layer is IActivatedLayer activated
                ? activated.ForwardLinear(args[0], training)
                : node.Layer.Apply(args, training);
        }
        return values[_outputIds[_outputs[0]]]!;
    }

    private readonly Dictionary<SymbolicTensor, int> _outputIds = new(ReferenceEqualityComparer.Instance);

    /// <summary>The last layer when it ends in an activation a loss can absorb (softmax, sigmoid), else null.</summary>
    private protected IActivatedLayer? LastActivatedLayer => _nodes.Count > _inputs.Count && _outputs.Count == 1
        && ReferenceEquals(_nodes[^1].Layer, _outputs[0].Producer) ? _nodes[^1].Layer as IActivatedLayer : null;

    /// <summary>
    /// The model's outputs for <paramref name="x"/> in inference mode (dropout off, batch norm on running
    /// statistics), computed <paramref name="batchSize"/> samples at a time without recording gradients.
    /// </summary>
    /// <param name="x">Samples along the first axis.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public Tensor Predict(Tensor x, int batchSize = 32) => Predict([x], batchSize);

    /// <summary>Only the first output of a multi-output model is returned by Predict and trained by Fit.</summary>
    private protected int OutputCount => _outputs.Count;

    /// <summary>Multi-input <see cref="Predict(Tensor, int)"/>.</summary>
    /// <param name="inputs">One tensor per model input, samples along the first axis.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public Tensor Predict(IReadOnlyList<Tensor> inputs, int batchSize = 32)
    {
        EnsureReady(inputs[0]);
        PlaceWeights();
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Predict: batchSize must be positive.");
        int rows = inputs[0].Shape[0];
        using var scope = Autograd.NoGrad();
        var parts = new List<Tensor>();
        for (int start = 0; start < rows; start += batchSize)
        {
            int count = Math.Min(batchSize, rows - start);
            parts.Add(Run(inputs.Select(t => t.Narrow(0, start, count)).ToList(), training: false, linearLast: false));
        }
        return parts.Count == 1 ? parts[0] : Tensor.Concat(parts, 0);
    }

    /// <summary>Builds a model that has not seen its input shape yet (a Sequential without an Input) from a batch.</summary>
    private protected virtual void EnsureReady(Tensor sampleBatch) { }

    /// <summary>
    /// The layer table Keras prints: each layer's name and type, output shape and parameter count, then the
    /// totals. Written to <paramref name="writer"/> (the console by default) and returned.
    /// </summary>
    /// <param name="writer">Where to print; null for the console.</param>
    public string Summary(TextWriter? writer = null)
    {
        var rows = Layers.Where(l => l is not NN.Input).Select(l => (
            Layer: $"{l.Name} ({l.TypeName})",
            Shape: l.OutputShape is null ? "?" : Format(l.OutputShape),
            Params: l.ParameterCount)).ToList();
        int w1 = Math.Max(28, rows.Select(r => r.Layer.Length).DefaultIfEmpty(0).Max() + 2);
        int w2 = Math.Max(24, rows.Select(r => r.Shape.Length).DefaultIfEmpty(0).Max() + 2);
        const int w3 = 14;
        var text = new System.Text.StringBuilder();
        string rule = new('─', w1 + w2 + w3);
        text.AppendLine($"Model: \"{Name}\"");
        text.AppendLine(rule);
        text.AppendLine("Layer (type)".PadRight(w1) + "Output Shape".PadRight(w2) + "Param #".PadLeft(w3));
        text.AppendLine(new string('═', w1 + w2 + w3));
        foreach (var r in rows)
            text.AppendLine(r.Layer.PadRight(w1) + r.Shape.PadRight(w2) + r.Params.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(w3));
        text.AppendLine(rule);
        long total = ParameterCount, trainable = Layers.SelectMany(l => l.TrainableWeights).Distinct().Sum(w => w.Value.NumElements);
        text.AppendLine($"Total params: {total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
        text.AppendLine($"Trainable params: {trainable.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
        text.AppendLine($"Non-trainable params: {(total - trainable).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
        var result = text.ToString();
        (writer ?? Console.Out).Write(result);
        return result;
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => _outputs[0].Shape;

    /// <summary>One layer application in the graph: which values it reads and which it writes.</summary>
    private sealed record GraphNode(Layer Layer, int[] Inputs, int Output);
}
