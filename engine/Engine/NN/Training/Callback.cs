using System.Globalization;
using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Hooks into <c>Fit</c>, as Keras callbacks do: override the events you need. <see cref="Model"/> is set
/// before training starts; set <c>Model.StopTraining</c> to end training after the current batch or epoch.
/// Logs map names ("loss", "accuracy", "val_loss", "learning_rate") to values.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained.</summary>
    public Model Model { get; internal set; } = null!;

    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin() { }

    /// <summary>After the last epoch (or an early stop).</summary>
    public virtual void OnTrainEnd() { }

    /// <summary>Before each epoch (0-based).</summary>
    /// <param name="epoch">The epoch index.</param>
    public virtual void OnEpochBegin(int epoch) { }

    /// <summary>After each epoch, with its training and validation logs.</summary>
    /// <param name="epoch">The epoch index.</param>
    /// <param name="logs">Epoch values.</param>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>Before each training batch.</summary>
    /// <param name="batch">The batch index within the epoch.</param>
    public virtual void OnBatchBegin(int batch) { }

    /// <summary>After each training batch, with the running epoch values.</summary>
    /// <param name="batch">The batch index within the epoch.</param>
    /// <param name="logs">Running values.</param>
    public virtual void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>Reads the monitored value from the logs, or throws naming what is there.</summary>
    private protected static double Monitored(IReadOnlyDictionary<string, double> logs, string monitor, string callback) =>
        logs.TryGetValue(monitor, out double v) ? v
            : throw new InvalidOperationException($"{callback}: '{monitor}' is not logged; available: {string.Join(", ", logs.Keys)} (val_ values need validation data).");

    /// <summary>Whether larger is better for a monitored name: accuracy-like names yes, losses and errors no.</summary>
    private protected static bool IsMaximised(string monitor) =>
        monitor.Contains("acc", StringComparison.Ordinal) || monitor.Contains("auc", StringComparison.Ordinal)
        || monitor.Contains("precision", StringComparison.Ordinal) || monitor.Contains("recall", StringComparison.Ordinal);
}

/// <summary>Stops training when the monitored value stops improving; optionally restores the best weights.</summary>
/// <param name="monitor">The logged name to watch.</param>
/// <param name="minDelta">The smallest change that counts as an improvement.</param>
/// <param name="patience">Epochs without improvement before stopping.</param>
/// <param name="restoreBestWeights">Put back the weights of the best epoch when stopping (or at the end).</param>
public sealed class EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, bool restoreBestWeights = false) : Callback
{
    private double _best;
    private int _wait;
    private Tensor[]? _bestWeights;

    /// <summary>The epoch (0-based) training stopped after, or −1 if it ran to the end.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <summary>The epoch (0-based) with the best monitored value.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _best = IsMaximised(monitor) ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        StoppedEpoch = BestEpoch = -1;
        _bestWeights = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double value = Monitored(logs, monitor, nameof(EarlyStopping));
        bool better = IsMaximised(monitor) ? value > _best + minDelta : value < _best - minDelta;
        if (better)
        {
            _best = value;
            BestEpoch = epoch;
            _wait = 0;
            if (restoreBestWeights) _bestWeights = Model.SnapshotWeights();
            return;
        }
        if (++_wait > patience)
        {
            StoppedEpoch = epoch;
            Model.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        if (restoreBestWeights && _bestWeights is not null) Model.RestoreWeights(_bestWeights);
    }
}

/// <summary>Multiplies the learning rate by <paramref name="factor"/> when the monitored value plateaus.</summary>
/// <param name="monitor">The logged name to watch.</param>
/// <param name="factor">New rate = rate · factor.</param>
/// <param name="patience">Epochs without improvement before reducing.</param>
/// <param name="minDelta">The smallest change that counts as an improvement.</param>
/// <param name="cooldown">Epochs to wait after a reduction before counting again.</param>
/// <param name="minLearningRate">The rate never goes below this.</param>
public sealed class ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, double minDelta = 1e-4,
    int cooldown = 0, double minLearningRate = 0) : Callback
{
    private double _best;
    private int _wait, _cooldown;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau: factor must be in (0, 1).");
        _best = IsMaximised(monitor) ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = _cooldown = 0;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double value = Monitored(logs, monitor, nameof(ReduceLROnPlateau));
        bool better = IsMaximised(monitor) ? value > _best + minDelta : value < _best - minDelta;
        if (_cooldown > 0) _cooldown--;
        if (better) { _best = value; _wait = 0; return; }
        if (_cooldown > 0 || ++_wait < patience) return;
        var optimizer = Model.Optimizer!;
        optimizer.LearningRate = Math.Max(minLearningRate, optimizer.LearningRate * factor);
        _cooldown = cooldown;
        _wait = 0;
    }
}

/// <summary>Sets the learning rate at the start of each epoch from a function of (epoch, current rate).</summary>
/// <param name="schedule">Returns the rate for an epoch (0-based) given the current one.</param>
public sealed class LearningRateScheduler(Func<int, double, double> schedule) : Callback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch)
    {
        var optimizer = Model.Optimizer!;
        optimizer.LearningRate = schedule(epoch, optimizer.LearningRate);
    }
}

/// <summary>Appends each epoch's logs to a CSV file (epoch, then the names in first-logged order).</summary>
/// <param name="path">The file.</param>
/// <param name="append">Keep an existing file's rows (its header must match).</param>
public sealed class CsvLogger(string path, bool append = false) : Callback
{
    private List<string>? _columns;

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _columns = null;
        if (!append && File.Exists(path)) File.Delete(path);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_columns is null)
        {
            _columns = [.. logs.Keys];
            if (!File.Exists(path) || new FileInfo(path).Length == 0) File.AppendAllText(path, "epoch," + string.Join(",", _columns) + "\n");
        }
        var values = _columns.Select(c => logs.TryGetValue(c, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        File.AppendAllText(path, (epoch + 1).ToString(CultureInfo.InvariantCulture) + "," + string.Join(",", values) + "\n");
    }
}

/// <summary>Stops training as soon as a batch's loss is NaN or infinite.</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The batch (within its epoch) whose loss was not finite, or −1.</summary>
    public int TerminatedAtBatch { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue("loss", out double loss) && !double.IsFinite(loss))
        {
            TerminatedAtBatch = batch;
            Model.StopTraining = true;
        }
    }
}

/// <summary>A callback from lambdas, for one-off hooks: <c>new LambdaCallback(onEpochEnd: (e, logs) => …)</c>.</summary>
/// <param name="onEpochEnd">Called after each epoch.</param>
/// <param name="onBatchEnd">Called after each batch.</param>
public sealed class LambdaCallback(Action<int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<int, IReadOnlyDictionary<string, double>>? onBatchEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => onEpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => onBatchEnd?.Invoke(batch, logs);
}

/// <summary>
/// Saves the model (<see cref="Model.Save(string, bool)"/>) after each epoch, or only when the monitored value
/// improves; the path may hold "{epoch}" (1-based), e.g. "checkpoints/mnist-{epoch}.safetensors".
/// </summary>
/// <param name="path">The file, optionally with "{epoch}".</param>
/// <param name="monitor">The logged name compared when <paramref name="saveBestOnly"/>.</param>
/// <param name="saveBestOnly">Save only epochs that improve the monitored value.</param>
/// <param name="includeOptimizer">Also save the optimizer state, so training can resume from the file.</param>
public sealed class ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, bool includeOptimizer = false) : Callback
{
    private double _best;

    /// <summary>The files written so far, in order.</summary>
    public List<string> Saved { get; } = [];

    /// <inheritdoc/>
    public override void OnTrainBegin() => _best = IsMaximised(monitor) ? double.NegativeInfinity : double.PositiveInfinity;

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (saveBestOnly)
        {
            double value = Monitored(logs, monitor, nameof(ModelCheckpoint));
            if (!(IsMaximised(monitor) ? value > _best : value < _best)) return;
            _best = value;
        }
        var file = path.Replace("{epoch}", (epoch + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Model.Save(file, includeOptimizer);
        Saved.Add(file);
    }
}
