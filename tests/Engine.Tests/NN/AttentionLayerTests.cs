using Engine.Autodiff;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>The Embedding and MultiHeadAttention layers: outputs against their definitions, gradients, masks, training, save/load.</summary>
public class AttentionLayerTests
{
    private static Tensor Tokens(int batch, int length, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var ids = new int[batch * length];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(vocabulary);
        return Tensor.FromArray(ids, new Shape(batch, length));
    }

    private static Tensor Sequences(int batch, int length, int features, int seed) =>
        Tensor.Uniform(new Shape(batch, length, features), -1, 1, generator: new Generator((ulong)seed));

    [Fact]
    public void EmbeddingLooksUpRowsAndAccumulatesRepeatedIdsInItsGradient()
    {
        var embedding = new Embedding(5, 3);
        var ids = Tensor.FromArray(new[] { 4, 1, 1, 0, 1, 4 }, new Shape(2, 3));
        var output = embedding.Call(ids);
        Assert.Equal([2, 3, 3], output.Shape.ToArray());
        var table = embedding.Embeddings!.ToArray<float>();
        var got = output.ToArray<float>();
        int[] flat = [4, 1, 1, 0, 1, 4];
        for (int p = 0; p < flat.Length; p++)
            for (int f = 0; f < 3; f++) Assert.Equal(table[flat[p] * 3 + f], got[p * 3 + f]);
        Assert.Equal(got, embedding.Call(ids.To(DType.Float32)).ToArray<float>());

        output.Sum().Backward();
        var counts = embedding.Embeddings!.Grad!.ToArray<float>();
        float[] expected = [1, 1, 1, 3, 3, 3, 0, 0, 0, 0, 0, 0, 2, 2, 2];
        Assert.Equal(expected, counts);
        Assert.All(table, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.Equal("random_uniform:0.05", embedding.EmbeddingsInitializer.Name);
        Assert.Equal("random_uniform:0.25", Initializer.FromName(Initializer.RandomUniform(0.25).Name).Name);
    }

    [Fact]
    public void EmbeddingRejectsIdsOutsideItsVocabulary()
    {
        var embedding2 = new Embedding(5, 3, name: "words");
        var e = Assert.Throws<IndexOutOfRangeException>(() => embedding2.Call(Tensor.FromArray(new[] { 0, 5 }, new Shape(1, 2))));
        Assert.Contains("words (Embedding): token ids must lie in [0, 5)", e.Message);
        Assert.Contains("index 5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(0, 3));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(false, 3)]
    public void MultiHeadAttentionIsProjectionsAroundScaledDotProductAttention(bool causal, int inputs)
    {
        var layer = new MultiHeadAttention(numHeads: 2, keyDim: 3, valueDim: 4, outputDim: 5, causal: causal);
        var query = Sequences(2, 4, 6, 1);
        var value = inputs > 1 ? Sequences(2, 7, 8, 2) : query;
        var key = inputs > 2 ? Sequences(2, 7, 9, 3) : value;
        var args = new[] { query, value, key }.Take(inputs).ToList();
        var actual = layer.Call(args);
        Assert.Equal([2, 4, 5], actual.Shape.ToArray());

        var w = layer.Weights.ToDictionary(x => x.Name[(layer.Name.Length + 1)..], x => x.Value);
        Tensor Project(Tensor x, string name) => x.MatMul(w[name + "/kernel"]) + w[name + "/bias"];
        Tensor Split(Tensor x, int features) => x.Reshape(x.Shape[0], x.Shape[1], 2, features).Permute(0, 2, 1, 3);
        var heads = Split(Project(query, "query"), 3).ScaledDotProductAttention(
            Split(Project(key, "key"), 3), Split(Project(value, "value"), 4), causal: causal);
        var expected = Project(heads.Permute(0, 2, 1, 3).Reshape(2, 4, 8), "attention_output");
        var (e, a) = (expected.ToArray<float>(), actual.ToArray<float>());
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 1e-5f);
        Assert.Equal(6 * 6 + 6 + (inputs > 2 ? 9 : inputs > 1 ? 8 : 6) * 6 + 6 + (inputs > 1 ? 8 : 6) * 8 + 8 + 8 * 5 + 5, layer.ParameterCount);
    }

    [Fact]
    public void CausalAttentionIgnoresLaterPositions()
    {
        var layer = new MultiHeadAttention(numHeads: 2, keyDim: 4, causal: true);
        var x = Sequences(1, 5, 6, 4);
        var before = layer.Call(x).ToArray<float>();
        var changed = Tensor.Concat([x[.., ..3, ..], Sequences(1, 2, 6, 5)], 1);
        var after = layer.Call(changed).ToArray<float>();
        for (int i = 0; i < 3 * 6; i++) Assert.Equal(before[i], after[i]);
        Assert.NotEqual(before[^1], after[^1]);
    }

    [Fact]
    public void BadInputsThrowNamingTheLayer()
    {
        var layer = new MultiHeadAttention(numHeads: 2, keyDim: 4, name: "mha");
        Assert.Contains("mha", Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(new Shape(2, 6)))).Message);
        var other = new MultiHeadAttention(numHeads: 2, keyDim: 4, name: "mha2");
        var error = Assert.Throws<ArgumentException>(() => other.Call([Sequences(1, 3, 4, 1), Sequences(1, 5, 4, 2), Sequences(1, 4, 4, 3)]));
        Assert.Contains("differ in length", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(numHeads: 0, keyDim: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(numHeads: 2, keyDim: 4, dropout: 1));
    }

    /// <summary>Token ids → embedding + learned positions → self-attention block with a residual and layer norm → classifier.</summary>
    private static Model TinyTransformer(int length, int vocabulary, int classes)
    {
        var tokens = new Input([length], "tokens", seed: 3);
        var embedded = new Embedding(vocabulary, 16, name: "embedding").Call(tokens);
        var attended = new MultiHeadAttention(numHeads: 2, keyDim: 8, dropout: 0.1, name: "attention").Call(embedded);
        var block = new LayerNormalization(name: "norm").Call(new Add(name: "residual").Call(embedded, attended));
        var hidden = new Dense(32, activation: Activation.ReLU, name: "hidden").Call(new Flatten(name: "flatten").Call(block));
        var output = new Dense(classes, activation: Activation.Softmax, name: "classes").Call(hidden);
        return new Model(tokens, output, "tiny_transformer");
    }

    [Fact]
    public void ATinyTransformerLearnsAndRoundTripsThroughSaveAndLoad()
    {
        // The class of a sequence is the token it starts with: learnable only if the gradient reaches the embeddings.
        const int length = 6, vocabulary = 5;
        var x = Tokens(384, length, vocabulary, seed: 8);
        var y = x[.., 0].Contiguous();
        var model = TinyTransformer(length, vocabulary, vocabulary);
        model.Compile(new Adam(learningRate: 3e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        var history = model.Fit(x, y, epochs: 12, batchSize: 32, verbose: 0, seed: 1);
        Assert.True(history["accuracy"][^1] > 0.9, $"accuracy {history["accuracy"][^1]}");
        Assert.True(history["loss"][^1] < history["loss"][0] / 3, $"loss {history["loss"][0]} → {history["loss"][^1]}");

        string path = Path.Combine(Path.GetTempPath(), $"engine-transformer-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path, includeOptimizer: true);
            var loaded = Model.Load(path);
            Assert.IsType<MultiHeadAttention>(loaded.Layers.Single(l => l.Name == "attention"));
            var probe = Tokens(16, length, vocabulary, seed: 9);
            Assert.Equal(model.Predict(probe).ToArray<float>(), loaded.Predict(probe).ToArray<float>());
            // The attention's dropout generator is part of the checkpoint: resumed training draws the same masks.
            var resumed = loaded.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0)["loss"][0];
            Assert.Equal(model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0)["loss"][0], resumed);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
