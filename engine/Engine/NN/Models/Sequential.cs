using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// A plain stack of layers, each feeding the next: <c>new Sequential().Add(new Input(1, 28, 28)).Add(new Conv2D(32, 3)) …</c>.
/// Layers are built as soon as the input shape is known — at once after an <see cref="Input"/>, else from the
/// first batch. Initial weights come from a generator seeded with <see cref="Seed"/>, so two models built with
/// the same seed start identical.
/// </summary>
public sealed class Sequential : Model
{
    /// <summary>The seed models use when none is given.</summary>
    public const ulong DefaultSeed = 1234;

    private readonly List<Layer> _layers = [];
    private readonly Generator _generator;
    private SymbolicTensor? _input;
    private SymbolicTensor? _output;

    /// <summary>An empty model.</summary>
    /// <param name="name">The model name, or null for "sequential…".</param>
    /// <param name="seed">Seed of the initial weights.</param>
    public Sequential(string? name = null, ulong seed = DefaultSeed) : base(name)
    {
        Seed = seed;
        _generator = new Generator(seed);
    }

    /// <summary>A model of the given layers, in order.</summary>
    /// <param name="layers">The layers; an <see cref="Input"/> first fixes the input shape.</param>
    public Sequential(params Layer[] layers) : this(name: null)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Seed of the initial weights.</summary>
    public ulong Seed { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Appends a layer (and builds it when the shape before it is known); returns this model for chaining.</summary>
    /// <param name="layer">The next layer.</param>
    public Sequential Add(Layer layer)
    {
        if (layer is Input input)
        {
            if (_layers.Count > 0) throw new ArgumentException($"{Name}: an Input must be the first layer.");
            _layers.Add(input);
            _input = _output = new SymbolicTensor(input, [], input.Shape, _generator);
            SetGraph(_input, _output);
            return this;
        }
        if (_layers.Contains(layer)) throw new ArgumentException($"{Name}: layer {layer.Name} is already in the model.");
        _layers.Add(layer);
        if (_output is not null) Connect(layer);
        return this;
    }

    private void Connect(Layer layer)
    {
        try
        {
            _output = layer.Call(_output!);
        }
        catch
        {
            _layers.Remove(layer);
            throw;
        }
        SetGraph(_input!, _output);
    }

    /// <inheritdoc/>
    private protected override void EnsureReady(Tensor sampleBatch)
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"{Name}: the model has no layers.");
        if (_output is not null) return;
        // No Input layer: take the shape from the data, as Keras does on the first call.
        var input = new Input(PerSample(sampleBatch), null, Seed);
        var layers = _layers.ToList();
        _layers.Clear();
        Add(input);
        foreach (var layer in layers) Add(layer);
    }
}
