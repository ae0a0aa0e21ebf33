using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// The base of every layer, as in Keras: a layer owns its weights, creates them lazily from the first input
/// shape it sees (<see cref="Build(int[])"/>), and maps tensors to tensors in <see cref="Forward(Tensor, bool)"/>.
/// A custom layer overrides those two methods and calls <see cref="AddWeight"/> in Build.
/// </summary>
/// <remarks>
/// Shapes given to and returned by layers are per sample: the batch axis is left out (Keras's <c>None</c>).
/// Call a layer on a <see cref="SymbolicTensor"/> to wire a functional model, or on a <see cref="Tensor"/>
/// to run it eagerly.
/// </remarks>
public abstract class Layer
{
    private static readonly Dictionary<string, int> s_nameCounts = [];
    private readonly List<Weight> _weights = [];
    private Generator? _generator;

    /// <summary>Creates a layer; without a name it gets its type's snake-case name and a counter ("dense_1").</summary>
    protected Layer(string? name = null) => Name = name ?? UniqueName(GetType().Name);

    /// <summary>The layer's name, unique per type within the process unless given.</summary>
    public string Name { get; }

    /// <summary>Whether the optimizer updates this layer's weights (frozen layers still run forward).</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>Whether the weights exist (the layer has seen its input shape).</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The per-sample input shape the layer was built for, or null before that.</summary>
    public int[]? InputShape { get; private set; }

    /// <summary>The per-sample output shape, or null before the layer is built.</summary>
    public int[]? OutputShape { get; private set; }

    /// <summary>Every weight in creation order.</summary>
    public virtual IReadOnlyList<Weight> Weights => _weights;

    /// <summary>The weights the optimizer updates: all of them unless the layer or the weight is frozen.</summary>
    public virtual IEnumerable<Weight> TrainableWeights => Trainable ? Weights.Where(w => w.Trainable) : [];

    /// <summary>Total number of scalars in the weights.</summary>
    public long ParameterCount => Weights.Sum(w => w.Value.NumElements);

    /// <summary>The type shown in summaries and saved in the architecture (the class name by default).</summary>
    public virtual string TypeName => GetType().Name;

    /// <summary>Creates the weights for a per-sample input shape. Layers without weights need not override it.</summary>
    /// <param name="inputShape">The per-sample input shape.</param>
    protected virtual void Build(int[] inputShape) { }

    /// <summary>
    /// Creates the weights for several inputs' per-sample shapes; the default builds from the first (enough for merge
    /// layers, whose inputs share a shape). Layers whose weights depend on every input (attention) override it.
    /// </summary>
    /// <param name="inputShapes">One per-sample shape per input.</param>
    protected virtual void Build(IReadOnlyList<int[]> inputShapes) => Build(inputShapes[0]);

    /// <summary>Maps a batch of inputs (batch axis first) to a batch of outputs.</summary>
    /// <param name="input">The batch.</param>
    /// <param name="training">True during Fit: dropout drops, batch normalisation uses batch statistics.</param>
    protected abstract Tensor Forward(Tensor input, bool training);

    /// <summary>
    /// Maps several input batches to one output batch; layers with one input keep the default, which checks
    /// the count and calls <see cref="Forward(Tensor, bool)"/>. Merge layers override it.
    /// </summary>
    /// <param name="inputs">One batch per input.</param>
    /// <param name="training">True during Fit.</param>
    protected virtual Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count != 1)
            throw new ArgumentException($"{Name} ({TypeName}) takes one input, got {inputs.Count}.");
        return Forward(inputs[0], training);
    }

    /// <summary>
    /// The per-sample output shape for a per-sample input shape. The default runs the layer once on a zero batch
    /// of one sample without recording gradients, which is right for any layer; built-in layers compute it directly.
    /// </summary>
    /// <param name="inputShapes">One per-sample shape per input.</param>
    protected virtual int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        using var scope = Autograd.NoGrad();
        var dtype = Weights.Count > 0 ? Weights[0].Value.DType : DType.Float32;
        var probes = inputShapes.Select(s => Tensor.Zeros(new Shape([1, .. s]), dtype)).ToList();
        var output = Forward(probes, training: false);
        return output.Shape.AsSpan()[1..].ToArray();
    }

    /// <summary>
    /// The model's seeded generator, available during <see cref="Build(int[])"/>: layers that draw random numbers while
    /// running (dropout) seed their own generator from it, so a seeded model is reproducible.
    /// </summary>
    protected Generator BuildGenerator => _generator ?? Generator.Default;

    /// <summary>Creates a weight; call it from <see cref="Build(int[])"/>. Values come from the initializer, drawn from the model's generator.</summary>
    /// <param name="name">The weight's name within the layer ("kernel", "bias").</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="initializer">How to fill it.</param>
    /// <param name="fans">Fan-in and fan-out for the variance-scaling initializers.</param>
    /// <param name="regularizer">An optional penalty added to the loss.</param>
    /// <param name="trainable">False for state such as batch-norm running statistics.</param>
    protected Tensor AddWeight(string name, Shape shape, Initializer initializer, (int FanIn, int FanOut) fans,
        Regularizer? regularizer = null, bool trainable = true)
    {
        var value = initializer.Create(shape, fans, DType.Float32, BuildGenerator);
        if (trainable) value.RequiresGrad = true;
        _weights.Add(new Weight($"{Name}/{name}", value, trainable, regularizer));
        return value;
    }

    /// <summary>Builds the layer for these input shapes (once; later calls check the shapes agree).</summary>
    internal void EnsureBuilt(IReadOnlyList<int[]> inputShapes, Generator? generator)
    {
        if (IsBuilt)
        {
            if (InputShape is not null && inputShapes.Count == 1 && !inputShapes[0].SequenceEqual(InputShape))
                throw new ArgumentException($"{Name} ({TypeName}) was built for inputs of shape {Format(InputShape)}, got {Format(inputShapes[0])}.");
            return;
        }
        _generator = generator;
        try
        {
            if (inputShapes.Count == 1) Build(inputShapes[0]);
            else Build(inputShapes);
            IsBuilt = true;
            InputShape = inputShapes.Count == 1 ? inputShapes[0] : null;
            OutputShape = ComputeOutputShape(inputShapes);
        }
        catch
        {
            _weights.Clear();
            IsBuilt = false;
            throw;
        }
        finally
        {
            _generator = null;
        }
    }

    /// <summary>What a multi-input layer's <see cref="Build(int[])"/> receives: the first input's shape.</summary>

    /// <summary>Runs the layer on batches, building it from their shapes first if needed.</summary>
    /// <param name="inputs">One batch per input (batch axis first).</param>
    /// <param name="training">True during training.</param>
    public Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        EnsureBuilt(inputs.Select(PerSample).ToList(), null);
        return Forward(inputs, training);
    }

    /// <summary>Runs the layer eagerly on one batch (batch axis first), building it first if needed.</summary>
    /// <param name="input">The batch.</param>
    /// <param name="training">True during training.</param>
    public Tensor Call(Tensor input, bool training = false) => Call([input], training);

    /// <summary>Wires this layer into a functional model: the result is this layer's output given <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The symbolic inputs (an <see cref="Input"/> converts to one).</param>
    public SymbolicTensor Call(params SymbolicTensor[] inputs)
    {
        if (inputs.Length == 0) throw new ArgumentException($"{Name}: Call needs at least one input.");
        EnsureBuilt(inputs.Select(i => i.Shape).ToArray(), inputs[0].Generator);
        return new SymbolicTensor(this, inputs, OutputShape!, inputs[0].Generator);
    }

    /// <summary>Runs the forward pass of an already built layer (for models, which build their layers up front).</summary>
    internal Tensor Apply(IReadOnlyList<Tensor> inputs, bool training) => Forward(inputs, training);

    /// <summary>The penalty of this layer's regularized weights, or null when there is none.</summary>
    internal Tensor? RegularizationLoss()
    {
        Tensor? total = null;
        foreach (var w in Weights)
        {
            if (w.Regularizer is null) continue;
            var term = w.Regularizer.Penalty(w.Value);
            total = total is null ? term : total + term;
        }
        return total;
    }

    /// <summary>The per-sample shape of a batch (its shape without the first axis).</summary>
    internal static int[] PerSample(Tensor batch) =>
        batch.Rank == 0 ? throw new ArgumentException("A layer input needs a batch axis, got a scalar.") : batch.Shape.AsSpan()[1..].ToArray();

    /// <summary>A shape as Keras prints it, with the batch axis as "None": (None, 26, 26, 32).</summary>
    internal static string Format(int[] perSample) => "(None" + string.Concat(perSample.Select(d => $", {d}")) + ")";

    private static string UniqueName(string typeName)
    {
        var snake = string.Concat(typeName.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(typeName[i - 1]) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        lock (s_nameCounts)
        {
            int count = s_nameCounts.TryGetValue(snake, out int n) ? n + 1 : 1;
            s_nameCounts[snake] = count;
            return count == 1 ? snake : $"{snake}_{count - 1}";
        }
    }
}
