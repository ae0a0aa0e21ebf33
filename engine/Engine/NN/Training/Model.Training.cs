using Engine.Autodiff;
using Engine.Data;
using Engine.Tensors;

namespace Engine.NN;

public partial class Model
{
    private Loss? _loss;
    private List<Metric> _metrics = [];

    /// <summary>The optimizer given to <see cref="Compile"/>, or null before.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to <see cref="Compile"/>, or null before.</summary>
    public Loss? Loss => _loss;

    /// <summary>The metrics given to <see cref="Compile"/>.</summary>
    public IReadOnlyList<Metric> Metrics => _metrics;

    /// <summary>
    /// The generator the tensor overload of <c>Fit</c> shuffles with: owned by the model so that successive Fit
    /// calls, and training resumed from a checkpoint, continue one sequence. A <see cref="DataLoader"/> given to Fit
    /// shuffles with its own generator instead.
    /// </summary>
    internal Generator ShuffleGenerator { get; } = new(0);

    /// <summary>Set by a callback to end <c>Fit</c> after the current batch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Chooses how the model trains: the optimizer, the loss and the metrics to report. Returns this model.</summary>
    /// <param name="optimizer">Updates the weights, e.g. <c>new Adam(learningRate: 1e-3)</c>.</param>
    /// <param name="loss">The objective, e.g. <see cref="Loss.SparseCategoricalCrossentropy"/>.</param>
    /// <param name="metrics">Reported per epoch, e.g. <c>[Metric.Accuracy]</c>.</param>
    public Model Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric>? metrics = null)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _metrics = metrics?.ToList() ?? [];
        var duplicate = _metrics.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Compile: metric '{duplicate.Key}' is given twice.");
        return this;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over (<paramref name="x"/>, <paramref name="y"/>) in shuffled
    /// mini-batches: per batch forward (training mode), loss, backward, optimizer step, metrics; per epoch the
    /// validation metrics and the callbacks. Returns every epoch's logs.
    /// </summary>
    /// <param name="x">Inputs, samples along the first axis.</param>
    /// <param name="y">Targets, samples along the first axis.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end before shuffling (as Keras does), held out for validation.</param>
    /// <param name="validationData">Explicit validation data (overrides <paramref name="validationSplit"/>).</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="verbose">0 silent, 1 a live progress line, 2 one line per epoch.</param>
    /// <param name="seed">
    /// Restarts the model's shuffle generator from this seed; null (the default) continues it where the last
    /// <c>Fit</c> left it (or, after <see cref="Load"/> of a checkpoint saved with the optimizer, where the saved model
    /// left it), starting from seed 0 on a new model. So Fit(2 epochs) then Fit(1 epoch) shuffles as Fit(3 epochs)
    /// does. Dropout masks come from the model's seed. A seeded run is reproducible on the same machine and thread count.
    /// </param>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, double validationSplit = 0,
        (Tensor X, Tensor Y)? validationData = null, bool shuffle = true, IReadOnlyList<Callback>? callbacks = null,
        int verbose = 1, ulong? seed = null)
    {
        Compiled("Fit");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Fit: batchSize must be positive.");
        CheckSamples(x, y, "Fit");
        var (trainX, trainY, validation) = Split(x, y, validationSplit, validationData);
        if (seed is ulong restart) ShuffleGenerator.Reseed(restart);
        return Fit(new DataLoader(trainX, trainY, batchSize, shuffle, ShuffleGenerator), epochs, validation, callbacks, verbose);
    }

    /// <summary>
    /// Trains on the batches of a <see cref="DataLoader"/> (which decides batch size, shuffling and augmentation)
    /// for <paramref name="epochs"/> passes; see the tensor overload for the rest. The loader's generator is the
    /// caller's: <see cref="Save"/> does not store it, so to resume a shuffled run save its <see cref="Generator.State"/> too.
    /// </summary>
    /// <param name="data">The training batches; each enumeration is one epoch.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="validationData">Evaluated after each epoch, or null.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="verbose">0 silent, 1 a live progress line, 2 one line per epoch.</param>
    public History Fit(DataLoader data, int epochs = 1, (Tensor X, Tensor Y)? validationData = null,
        IReadOnlyList<Callback>? callbacks = null, int verbose = 1)
    {
        var (optimizer, loss) = Compiled("Fit");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Fit: epochs must not be negative.");
        EnsureReady(data.X);
        PlaceWeights();
        if (validationData is { } v0) CheckSamples(v0.X, v0.Y, "Fit (validation data)");
        BindOptimizer(optimizer);
        var fused = LastActivatedLayer is { } last ? loss.FromLogitsOf(last.Activation) : null;
        var history = new History();
        callbacks ??= [];
        foreach (var callback in callbacks) callback.Model = this;
        StopTraining = false;
        foreach (var callback in callbacks) callback.OnTrainBegin();
        for (int epoch = 0; epoch < epochs && !StopTraining; epoch++)
        {
            foreach (var callback in callbacks) callback.OnEpochBegin(epoch);
            var logs = TrainEpoch(data, optimizer, loss, fused, epoch, epochs, verbose, callbacks, out var progress);
            if (validationData is { } v)
                foreach (var (name, value) in EvaluateCore(v.X, v.Y, data.BatchSize)) logs["val_" + name] = value;
            logs["learning_rate"] = optimizer.LearningRate;
            history.Add(logs);
            progress.End(logs.Where(l => l.Key != "learning_rate").ToDictionary());
            foreach (var callback in callbacks) callback.OnEpochEnd(epoch, logs);
        }
        foreach (var callback in callbacks) callback.OnTrainEnd();
        return history;
    }

    private Dictionary<string, double> TrainEpoch(DataLoader loader, Optimizer optimizer, Loss loss, Loss? fused, int epoch, int epochs,
        int verbose, IReadOnlyList<Callback> callbacks, out ProgressLine progress)
    {
        foreach (var metric in _metrics) metric.Reset();
        progress = new ProgressLine(epoch, epochs, loader.BatchCount, verbose);
        var lossSum = new DeviceCounters(1);
        long samples = 0;
        int batch = 0;
        DeferredLogs? logs = null;
        foreach (var (xb, batchTargets) in loader)
        {
            var yb = OnDevice(batchTargets);
            foreach (var callback in callbacks) callback.OnBatchBegin(batch);
            optimizer.ZeroGrad();
            var output = Run([xb], training: true, linearLast: fused is not null);
            var objective = (fused ?? loss).Compute(output, yb);
            var total = AddRegularization(objective);
            total.Backward();
            optimizer.Step();
            int rows = xb.Shape[0];
            AddLoss(lossSum, total, rows);
            samples += rows;
            UpdateMetrics(yb, output, fused is not null);
            logs = CurrentLogs(lossSum, samples);
            progress.Update(++batch, logs);
            foreach (var callback in callbacks) callback.OnBatchEnd(batch - 1, logs);
            if (StopTraining) break;
        }
        return logs is null ? [] : new Dictionary<string, double>(logs);
    }

    /// <summary>
    /// The loss and every metric over (<paramref name="x"/>, <paramref name="y"/>) in inference mode, batched,
    /// without recording gradients: {"loss": …, "accuracy": …}.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32)
    {
        Compiled("Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Evaluate: batchSize must be positive.");
        CheckSamples(x, y, "Evaluate");
        EnsureReady(x);
        PlaceWeights();
        return EvaluateCore(x, y, batchSize);
    }

    private Dictionary<string, double> EvaluateCore(Tensor x, Tensor y, int batchSize)
    {
        var (_, loss) = Compiled("Evaluate");
        var fused = LastActivatedLayer is { } last ? loss.FromLogitsOf(last.Activation) : null;
        foreach (var metric in _metrics) metric.Reset();
        using var scope = Autograd.NoGrad();
        var lossSum = new DeviceCounters(1);
        long samples = 0;
        foreach (var (xb, batchTargets) in new DataLoader(x, y, batchSize))
        {
            var yb = OnDevice(batchTargets);
            var output = Run([xb], training: false, linearLast: fused is not null);
            var total = AddRegularization((fused ?? loss).Compute(output, yb));
            AddLoss(lossSum, total, xb.Shape[0]);
            samples += xb.Shape[0];
            UpdateMetrics(yb, output, fused is not null);
        }
        return new Dictionary<string, double>(CurrentLogs(lossSum, samples));
    }

    /// <summary>Adds a batch's mean loss times its rows to the device-side sum: no wait for the device.</summary>
    private static void AddLoss(DeviceCounters lossSum, Tensor batchLoss, int rows)
    {
        using var scope = Autograd.NoGrad();
        lossSum.Add(batchLoss.Detach().To(DType.Float64) * rows);
    }

    /// <summary>The mean loss and every metric so far, read from the device only when a value is asked for.</summary>
    private DeferredLogs CurrentLogs(DeviceCounters lossSum, long samples) =>
        new([("loss", lossSum.Reading(s => samples == 0 ? double.NaN : s[0] / samples)),
            .. _metrics.Select(m => (m.Name, m.Reading()))]);

    /// <summary>Metrics see probabilities: a fused output is passed through the last activation first.</summary>
    private void UpdateMetrics(Tensor target, Tensor output, bool outputIsLinear)
    {
        if (_metrics.Count == 0) return;
        using var scope = Autograd.NoGrad();
        var prediction = outputIsLinear ? LastActivatedLayer!.Activation.Apply(output.Detach()) : output.Detach();
        foreach (var metric in _metrics) metric.Update(target, prediction);
    }

    private Tensor AddRegularization(Tensor loss)
    {
        foreach (var layer in Layers)
            if (layer.RegularizationLoss() is { } penalty) loss += penalty.To(loss.DType);
        return loss;
    }

    private (Optimizer Optimizer, Loss Loss) Compiled(string operation) =>
        Optimizer is null || _loss is null
            ? throw new InvalidOperationException($"{operation}: the model is not compiled; call Compile(optimizer, loss, metrics) first.")
            : (Optimizer, _loss);

    private void BindOptimizer(Optimizer optimizer)
    {
        var bound = new HashSet<Tensor>(optimizer.Parameters, ReferenceEqualityComparer.Instance);
        optimizer.Bind(Layers.SelectMany(l => l.TrainableWeights).Select(w => w.Value).Distinct().Where(p => !bound.Contains(p)).ToList());
    }

    private static void CheckSamples(Tensor x, Tensor y, string operation)
    {
        if (x.Rank == 0 || y.Rank == 0 || x.Shape[0] != y.Shape[0])
            throw new ArgumentException($"{operation}: inputs {x.Shape} and targets {y.Shape} must have the same number of samples along the first axis.");
    }

    private static (Tensor X, Tensor Y, (Tensor X, Tensor Y)? Validation) Split(Tensor x, Tensor y, double validationSplit,
        (Tensor X, Tensor Y)? validationData)
    {
        if (validationData is { } data)
        {
            CheckSamples(data.X, data.Y, "Fit (validation data)");
            return (x, y, data);
        }
        if (validationSplit == 0) return (x, y, null);
        if (!(validationSplit > 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "Fit: validationSplit must be in [0, 1).");
        var split = DataSplit.TrainValidation(x, y, validationSplit, shuffle: false);
        return (split.TrainX, split.TrainY, (split.ValidationX, split.ValidationY));
    }

    /// <summary>Copies of every weight's current value (for restoring the best epoch).</summary>
    internal Tensor[] SnapshotWeights()
    {
        using var scope = Autograd.NoGrad();
        return Weights.Select(w => w.Value.Clone()).ToArray();
    }

    /// <summary>Writes a snapshot back into the weights, in place.</summary>
    internal void RestoreWeights(Tensor[] snapshot)
    {
        using var scope = Autograd.NoGrad();
        var weights = Weights;
        for (int i = 0; i < weights.Count; i++) weights[i].Value.Assign(snapshot[i]);
    }
}
