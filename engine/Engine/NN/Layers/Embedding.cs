using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Maps integer token ids to learned vectors: an input of ids [batch, …] becomes [batch, …, outputDim], row
/// <c>id</c> of the embeddings matrix [inputDim, outputDim] for each id. Ids come as int32 (float ids, as a float
/// data set holds them, are converted by truncation); an id outside the vocabulary throws
/// <see cref="IndexOutOfRangeException"/> naming the layer. The gradient adds each position's output gradient into its
/// id's row, so repeated ids accumulate. Parameters: inputDim·outputDim.
/// </summary>
public sealed class Embedding : Layer
{
    /// <summary>An embedding layer.</summary>
    /// <param name="inputDim">Size of the vocabulary: ids run from 0 to inputDim − 1.</param>
    /// <param name="outputDim">Length of each vector.</param>
    /// <param name="embeddingsInitializer">Default uniform in ±0.05 (Keras's).</param>
    /// <param name="embeddingsRegularizer">Optional penalty on the matrix.</param>
    /// <param name="name">The layer name.</param>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null,
        Regularizer? embeddingsRegularizer = null, string? name = null) : base(name)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "Embedding: inputDim must be positive.");
        if (outputDim <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "Embedding: outputDim must be positive.");
        InputDim = inputDim;
        OutputDim = outputDim;
        EmbeddingsInitializer = embeddingsInitializer ?? Initializer.RandomUniform();
        EmbeddingsRegularizer = embeddingsRegularizer;
    }

    /// <summary>Size of the vocabulary.</summary>
    public int InputDim { get; }

    /// <summary>Length of each vector.</summary>
    public int OutputDim { get; }

    /// <summary>How the matrix starts.</summary>
    public Initializer EmbeddingsInitializer { get; }

    /// <summary>The matrix penalty, or null.</summary>
    public Regularizer? EmbeddingsRegularizer { get; }

    /// <summary>[inputDim, outputDim], after Build.</summary>
    public Tensor? Embeddings { get; private set; }

    /// <inheritdoc/>
    protected override void Build(int[] inputShape) =>
        Embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer, (InputDim, OutputDim),
            EmbeddingsRegularizer);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training)
    {
        var ids = input.DType == DType.Int32 ? input : input.To(DType.Int32);
        try
        {
            var rows = Embeddings!.IndexSelect(0, ids.Reshape(-1));
            return rows.Reshape([.. input.Shape.AsSpan(), OutputDim]);
        }
        catch (IndexOutOfRangeException e)
        {
            throw new IndexOutOfRangeException($"{Name} (Embedding): token ids must lie in [0, {InputDim}); {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => [.. inputShapes[0], OutputDim];
}
