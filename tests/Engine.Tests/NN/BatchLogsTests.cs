using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>The logs Fit hands each batch: read only on demand, and then the values of that batch however late they are read.</summary>
public sealed class BatchLogsTests
{
    private static Model Compiled()
    {
        var model = new Sequential(seed: 7).Add(new Input(5)).Add(new Dense(6, activation: Activation.ReLU)).Add(new Dense(3, activation: Activation.Softmax));
        model.Compile(new Sgd(learningRate: 0.1), Loss.CategoricalCrossentropy, [Metric.Accuracy, Metric.MeanAbsoluteError, new CountingMetric()]);
        return model;
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var generator = new Generator(2);
        return (Tensor.Uniform(new Shape(22, 5), -1, 1, DType.Float32, generator),
            (Tensor.Rand(new Shape(22), DType.Float64, generator) * 3).Clamp(0, 2).To(DType.Int32).OneHot(3));
    }

    /// <summary>
    /// A callback that keeps every batch's logs and reads them after training sees the same values as one that reads
    /// them at once, and the last batch's are the epoch's.
    /// </summary>
    [Fact]
    public void LogsReadLateHoldTheirBatchsValues()
    {
        var (x, y) = Data();
        var eager = new List<Dictionary<string, double>>();
        Compiled().Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, seed: 1,
            callbacks: [new LambdaCallback(onBatchEnd: (_, logs) => eager.Add(logs.ToDictionary()))]);
        var kept = new List<IReadOnlyDictionary<string, double>>();
        var history = Compiled().Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, seed: 1,
            callbacks: [new LambdaCallback(onBatchEnd: (_, logs) => kept.Add(logs))]);
        Assert.Equal(12, kept.Count);
        Assert.Equal(["loss", "accuracy", "mean_absolute_error", "batches_seen"], kept[0].Keys);
        for (int b = 0; b < kept.Count; b++)
        {
            Assert.Equal(eager[b].Keys, kept[b].Keys);
            foreach (var (name, value) in eager[b]) Assert.Equal(value, kept[b][name]);
        }
        Assert.Equal(6, kept[5]["batches_seen"]);
        Assert.NotEqual(kept[4]["loss"], kept[5]["loss"]);
        foreach (var name in kept[0].Keys)
        {
            Assert.Equal(history[name][0], kept[5][name]);
            Assert.Equal(history[name][1], kept[11][name]);
        }
    }

    /// <summary>With verbose 0 and callbacks that only look at the names, no batch's logs are ever read.</summary>
    [Fact]
    public void LogsNobodyReadsAreNeverRead()
    {
        var (x, y) = Data();
        var kept = new List<IReadOnlyDictionary<string, double>>();
        foreach (int verbose in new[] { 0, 2 })
        {
            kept.Clear();
            Compiled().Fit(x, y, epochs: 1, batchSize: 4, verbose: verbose,
                callbacks: [new LambdaCallback(onBatchEnd: (_, logs) => { Assert.True(logs.ContainsKey("loss")); kept.Add(logs); })]);
            Assert.Equal(6, kept.Count);
            Assert.All(kept.Take(5), logs => Assert.False(((DeferredLogs)logs).IsRead, "a batch's logs were read"));
        }
        Assert.Equal(4, kept[0].Count);
    }

    /// <summary>A user metric keeping host state (counts its batches) in logs.</summary>
    private sealed class CountingMetric : Metric
    {
        private int _batches;

        public override string Name => "batches_seen";

        public override void Update(Tensor target, Tensor prediction) => _batches++;

        public override double Result() => _batches;

        public override void Reset() => _batches = 0;
    }
}
