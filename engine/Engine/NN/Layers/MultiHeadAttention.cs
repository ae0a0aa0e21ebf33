using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Multi-head attention as in "Attention Is All You Need" and Keras: the query, key and value sequences
/// [batch, length, features] are projected to <see cref="NumHeads"/> heads of <see cref="KeyDim"/> (queries, keys) and
/// <see cref="ValueDim"/> (values) features, each head runs <see cref="Tensor.ScaledDotProductAttention"/>, and the
/// heads' outputs, concatenated, are projected back to the query's feature size (or <see cref="OutputDim"/>).
/// </summary>
/// <remarks>
/// Inputs: one (self-attention: query = key = value), two (query, value; the key is the value) or three (query, value,
/// key), as Keras's <c>MultiHeadAttention(query, value, key)</c>. Parameters: the four projections' kernels and, with
/// <see cref="UseBias"/>, their biases.
/// </remarks>
public sealed class MultiHeadAttention : Layer, IMaskedLayer
{
    private Generator? _generator;

    /// <summary>A multi-head attention layer.</summary>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="keyDim">Features per head of the queries and keys.</param>
    /// <param name="valueDim">Features per head of the values; default <paramref name="keyDim"/>.</param>
    /// <param name="outputDim">Features of the output; default the query's.</param>
    /// <param name="causal">Let each query position see only keys at or before it (a decoder's self-attention).</param>
    /// <param name="dropout">Fraction of attention weights dropped during training, in [0, 1).</param>
    /// <param name="useBias">Whether the projections add biases.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="biasInitializer">Default zeros.</param>
    /// <param name="name">The layer name.</param>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, int? outputDim = null, bool causal = false,
        double dropout = 0, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null) : base(name)
    {
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, "MultiHeadAttention: numHeads must be positive.");
        if (keyDim <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, "MultiHeadAttention: keyDim must be positive.");
        if (valueDim is <= 0) throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, "MultiHeadAttention: valueDim must be positive.");
        if (outputDim is <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "MultiHeadAttention: outputDim must be positive.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiHeadAttention: dropout must be in [0, 1).");
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        OutputDim = outputDim;
        Causal = causal;
        Dropout = dropout;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Features per head of the queries and keys.</summary>
    public int KeyDim { get; }

    /// <summary>Features per head of the values.</summary>
    public int ValueDim { get; }

    /// <summary>Features of the output, or null for the query's.</summary>
    public int? OutputDim { get; }

    /// <summary>Whether each query sees only keys at or before its position.</summary>
    public bool Causal { get; }

    /// <summary>Fraction of attention weights dropped during training.</summary>
    public double Dropout { get; }

    /// <summary>Whether the projections add biases.</summary>
    public bool UseBias { get; }

    /// <summary>How the kernels start.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>How the biases start.</summary>
    public Initializer BiasInitializer { get; }

    Generator? IMaskedLayer.MaskGenerator => _generator;

    private Projection? _query, _key, _value, _output;

    /// <inheritdoc/>
    protected override void Build(int[] inputShape) => Build([inputShape]);

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<int[]> inputShapes)
    {
        if (inputShapes.Count > 3)
            throw new ArgumentException($"{Name} (MultiHeadAttention) takes query, value and key, got {inputShapes.Count} inputs.");
        foreach (var shape in inputShapes)
            if (shape.Length != 2)
                throw new ArgumentException($"{Name} (MultiHeadAttention): inputs are sequences (None, length, features), got {Format(shape)}.");
        int queryFeatures = inputShapes[0][^1];
        int valueFeatures = inputShapes[inputShapes.Count > 1 ? 1 : 0][^1];
        int keyFeatures = inputShapes[inputShapes.Count > 2 ? 2 : inputShapes.Count > 1 ? 1 : 0][^1];
        _query = NewProjection("query", queryFeatures, NumHeads * KeyDim);
        _key = NewProjection("key", keyFeatures, NumHeads * KeyDim);
        _value = NewProjection("value", valueFeatures, NumHeads * ValueDim);
        _output = NewProjection("attention_output", NumHeads * ValueDim, OutputDim ?? queryFeatures);
        _generator = new Generator(BuildGenerator.NextUInt64());
    }

    private Projection NewProjection(string name, int inputs, int outputs) => new(
        AddWeight(name + "/kernel", new Shape(inputs, outputs), KernelInitializer, (inputs, outputs)),
        UseBias ? AddWeight(name + "/bias", new Shape(outputs), BiasInitializer, (inputs, outputs)) : null);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => Forward([input], training);

    /// <inheritdoc/>
    protected override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count is < 1 or > 3)
            throw new ArgumentException($"{Name} (MultiHeadAttention) takes query, value and key, got {inputs.Count} inputs.");
        var query = inputs[0];
        var value = inputs.Count > 1 ? inputs[1] : query;
        var key = inputs.Count > 2 ? inputs[2] : value;
        if (key.Shape[1] != value.Shape[1])
            throw new ArgumentException($"{Name} (MultiHeadAttention): key {key.Shape} and value {value.Shape} differ in length.");
        var heads = Heads(_query!.Apply(query), KeyDim).ScaledDotProductAttention(
            Heads(_key!.Apply(key), KeyDim), Heads(_value!.Apply(value), ValueDim), causal: Causal,
            dropout: training ? Dropout : 0, generator: _generator);
        // [batch, heads, length, valueDim] → [batch, length, heads·valueDim]
        var joined = heads.Permute(0, 2, 1, 3).Reshape(query.Shape[0], query.Shape[1], NumHeads * ValueDim);
        return _output!.Apply(joined);
    }

    /// <summary>[batch, length, heads·features] → [batch, heads, length, features].</summary>
    private Tensor Heads(Tensor projected, int features) =>
        projected.Reshape(projected.Shape[0], projected.Shape[1], NumHeads, features).Permute(0, 2, 1, 3);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) =>
        [inputShapes[0][0], OutputDim ?? inputShapes[0][^1]];

    /// <summary>x·kernel + bias over the last axis.</summary>
    private sealed record Projection(Tensor Kernel, Tensor? Bias)
    {
        public Tensor Apply(Tensor x)
        {
            var y = x.MatMul(Kernel);
            return Bias is null ? y : y + Bias;
        }
    }
}

/// <summary>A layer that draws random masks while training from a generator of its own (saved in checkpoints).</summary>
internal interface IMaskedLayer
{
    /// <summary>The layer's mask generator; null before the layer is built.</summary>
    Generator? MaskGenerator { get; }
}
