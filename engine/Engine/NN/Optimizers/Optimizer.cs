using System.Globalization;
using Engine.Autodiff;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// Updates a list of parameters (leaf tensors) from their gradients. Give it the parameters when it is
/// constructed or later through <see cref="Bind"/>; after <c>loss.Backward()</c>, <see cref="Step"/> updates
/// every parameter that has a <see cref="Tensor.Grad"/> in place (outside the graph) with one fused
/// backend kernel per parameter, and <see cref="ZeroGrad"/> clears the gradients for the next batch.
/// </summary>
/// <remarks>
/// Per-parameter state (moments, momentum buffers) is allocated on the first step that reaches a parameter,
/// with the parameter's dtype and device. Gradient clipping follows Keras: <see cref="ClipValue"/> clamps each
/// gradient element, <see cref="ClipNorm"/> rescales each gradient to that norm at most, and
/// <see cref="GlobalClipNorm"/> rescales all gradients together so their joint norm is at most that value; at
/// most one of the three may be set. Clipping rewrites the gradients in place, as PyTorch's clip_grad_norm_.
/// </remarks>
public abstract class Optimizer
{
    private readonly List<Tensor> _parameters = [];
    private readonly List<Dictionary<string, Tensor>> _slots = [];
    private double _learningRate;
    private double? _clipNorm, _clipValue, _globalClipNorm;

    /// <summary>Sets the common hyperparameters; concrete optimizers check their own.</summary>
    /// <param name="name">The optimizer's name, used in error messages.</param>
    /// <param name="learningRate">The constant learning rate (ignored when <paramref name="schedule"/> is given).</param>
    /// <param name="schedule">A learning-rate schedule evaluated at <see cref="Iterations"/> before each step, or null.</param>
    /// <param name="weightDecay">The weight decay λ (its meaning is the concrete optimizer's).</param>
    /// <param name="parameters">The parameters to update, or null to <see cref="Bind"/> them later.</param>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate or weight decay is negative or not finite.</exception>
    protected Optimizer(string name, double learningRate, ILearningRateSchedule? schedule, double weightDecay, IEnumerable<Tensor>? parameters)
    {
        Name = name;
        Schedule = schedule;
        LearningRate = schedule?.At(0) ?? learningRate;
        WeightDecay = CheckNonNegative(weightDecay, nameof(weightDecay));
        if (parameters is not null) Bind(parameters);
    }

    /// <summary>The optimizer's name ("Adam", "Sgd", …).</summary>
    public string Name { get; }

    /// <summary>The parameters this optimizer updates, in the order given (the index used in <see cref="GetState"/>).</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The learning rate of the next step; a <see cref="Schedule"/> overwrites it before each step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative or non-finite value.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = CheckNonNegative(value, "learningRate");
    }

    /// <summary>The learning-rate schedule, evaluated at <see cref="Iterations"/> before each step; null for a constant rate.</summary>
    public ILearningRateSchedule? Schedule { get; set; }

    /// <summary>The number of steps taken (also restored by <see cref="LoadState"/>).</summary>
    public long Iterations { get; private set; }

    /// <summary>The weight decay λ.</summary>
    public double WeightDecay { get; }

    /// <summary>If set, each gradient is rescaled so its L2 norm is at most this value (Keras' clipnorm).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    /// <exception cref="InvalidOperationException">Another clipping option is already set.</exception>
    public double? ClipNorm
    {
        get => _clipNorm;
        set => _clipNorm = CheckClip(value, nameof(ClipNorm));
    }

    /// <summary>If set, each gradient element is clamped to [−value, value] (Keras' clipvalue).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    /// <exception cref="InvalidOperationException">Another clipping option is already set.</exception>
    public double? ClipValue
    {
        get => _clipValue;
        set => _clipValue = CheckClip(value, nameof(ClipValue));
    }

    /// <summary>If set, all gradients are rescaled together so their joint L2 norm is at most this value (Keras' global_clipnorm).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    /// <exception cref="InvalidOperationException">Another clipping option is already set.</exception>
    public double? GlobalClipNorm
    {
        get => _globalClipNorm;
        set => _globalClipNorm = CheckClip(value, nameof(GlobalClipNorm));
    }

    /// <summary>
    /// Adds parameters to update (a model binds its parameters when it is compiled). Each must be a contiguous
    /// float32 or float64 tensor, given once.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is not floating, not contiguous, or already bound.</exception>
    public void Bind(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var p in parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (!p.DType.IsFloating())
                throw new ArgumentException($"{Name}.Bind: parameter {_parameters.Count} is {p.Describe()}; only float32 and float64 tensors can be optimized.", nameof(parameters));
            if (!p.IsContiguous)
                throw new ArgumentException($"{Name}.Bind: parameter {_parameters.Count} ({p.Describe()}) is a strided view; optimizers update contiguous tensors in place.", nameof(parameters));
            if (_parameters.Any(q => ReferenceEquals(q, p)))
                throw new ArgumentException($"{Name}.Bind: a {p.Describe()} parameter was given twice; it would be updated twice per step.", nameof(parameters));
            _parameters.Add(p);
            _slots.Add([]);
        }
    }

    /// <summary>
    /// Takes one step: evaluates the schedule, clips the gradients, and updates every parameter that has a
    /// gradient (those without are skipped), under <see cref="Autograd.NoGrad"/>. Then counts the step.
    /// </summary>
    /// <exception cref="InvalidOperationException">A gradient's shape, dtype or device differs from its parameter's.</exception>
    public void Step()
    {
        using var scope = Autograd.NoGrad();
        if (Schedule is not null) LearningRate = Schedule.At(Iterations);
        var active = ActiveGradients();
        Clip(active);
        long step = Iterations + 1;
        foreach (var (index, grad) in active) Update(index, _parameters[index], grad, step);
        Iterations = step;
    }

    /// <summary>Clears the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// A copy of the optimizer's state for saving: per-parameter tensors named "param.{index}.{slot}" (for example
    /// "param.3.exp_avg") and the scalars "iterations" and "learning_rate" as float64 scalar tensors.
    /// </summary>
    public Dictionary<string, Tensor> GetState()
    {
        var state = new Dictionary<string, Tensor>
        {
            ["iterations"] = Tensor.Scalar(Iterations, DType.Float64),
            ["learning_rate"] = Tensor.Scalar(LearningRate, DType.Float64),
        };
        for (int i = 0; i < _slots.Count; i++)
            foreach (var (slot, tensor) in _slots[i])
                state[SlotKey(i, slot)] = tensor.Clone();
        return state;
    }

    /// <summary>
    /// Restores a state from <see cref="GetState"/> (for the same parameter list), replacing the current one, so
    /// training resumes exactly where it stopped. Tensors are copied to each parameter's dtype and device.
    /// </summary>
    /// <exception cref="ArgumentException">A key is unknown, names a parameter index out of range, or a tensor's shape differs from its parameter's.</exception>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var slots = _parameters.Select(_ => new Dictionary<string, Tensor>()).ToList();
        long iterations = 0;
        double learningRate = LearningRate;
        foreach (var (key, tensor) in state)
        {
            if (key == "iterations") iterations = checked((long)tensor.Item());
            else if (key == "learning_rate") learningRate = tensor.Item();
            else
            {
                var (index, slot) = ParseSlotKey(key);
                slots[index][slot] = CopyForParameter(tensor, _parameters[index], key);
            }
        }
        for (int i = 0; i < slots.Count; i++) _slots[i] = slots[i];
        Iterations = iterations;
        LearningRate = learningRate;
    }

    /// <summary>Updates parameter <paramref name="index"/> in place from its (clipped, contiguous) gradient; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(int index, Tensor param, Tensor grad, long step);

    /// <summary>The backend that runs the update kernels of <paramref name="param"/>.</summary>
    protected static IBackend BackendOf(Tensor param) => param.Device.Backend;

    /// <summary>
    /// The state tensor <paramref name="slot"/> of parameter <paramref name="index"/>, created filled with
    /// <paramref name="initial"/> (with the parameter's shape, dtype and device) when absent; <paramref name="created"/> says which.
    /// </summary>
    protected Tensor Slot(int index, string slot, double initial, out bool created)
    {
        var slots = _slots[index];
        created = !slots.TryGetValue(slot, out var tensor);
        if (tensor is null)
        {
            var p = _parameters[index];
            tensor = Tensor.Full(p.Shape, initial, p.DType, p.Device);
            slots[slot] = tensor;
        }
        else if (!tensor.Device.Equals(_parameters[index].Device))
            tensor.MoveTo(_parameters[index].Device); // the model moved after training began: the state follows
        return tensor;
    }

    /// <summary><see cref="Slot(int, string, double, out bool)"/> without saying whether it was created.</summary>
    protected Tensor Slot(int index, string slot, double initial = 0) => Slot(index, slot, initial, out _);

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0; returns it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is negative or not finite.</exception>
    protected double CheckNonNegative(double value, string parameter) =>
        double.IsFinite(value) && value >= 0 ? value
            : throw new ArgumentOutOfRangeException(parameter, value, $"{Name}: {parameter} must be finite and non-negative, got {Format(value)}.");

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0; returns it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not positive or not finite.</exception>
    protected double CheckPositive(double value, string parameter) =>
        double.IsFinite(value) && value > 0 ? value
            : throw new ArgumentOutOfRangeException(parameter, value, $"{Name}: {parameter} must be finite and positive, got {Format(value)}.");

    /// <summary>Throws unless <paramref name="value"/> lies in [0, 1); returns it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It lies outside [0, 1).</exception>
    protected double CheckUnitInterval(double value, string parameter) =>
        value is >= 0 and < 1 ? value
            : throw new ArgumentOutOfRangeException(parameter, value, $"{Name}: {parameter} must be in [0, 1), got {Format(value)}.");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private List<(int Index, Tensor Grad)> ActiveGradients()
    {
        var active = new List<(int, Tensor)>();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i];
            if (p.Grad is not { } grad) continue;
            if (!grad.Shape.Equals(p.Shape) || grad.DType != p.DType || !grad.Device.Equals(p.Device))
                throw new InvalidOperationException($"{Name}.Step: parameter {i} is {p.Describe()} on {p.Device} but its gradient is {grad.Describe()} on {grad.Device}.");
            active.Add((i, grad.IsContiguous ? grad : grad.Contiguous()));
        }
        return active;
    }

    private void Clip(List<(int Index, Tensor Grad)> active)
    {
        if (_clipValue is { } value)
            foreach (var (_, g) in active) BackendOf(g).ClampInPlace(g, -value, value);
        if (_clipNorm is { } norm)
            foreach (var (_, g) in active) BackendOf(g).ClipByNorm([g], norm);
        if (_globalClipNorm is { } global && active.Count > 0)
            ClipByGlobalNorm(active.ConvertAll(a => a.Grad), global);
    }

    /// <summary>
    /// Keras' clip_by_global_norm, on the device when all gradients share one (no wait for it); gradients spread over
    /// devices are summed on the host.
    /// </summary>
    private static void ClipByGlobalNorm(List<Tensor> grads, double limit)
    {
        var device = grads[0].Device;
        if (grads.TrueForAll(g => g.Device.Equals(device)))
        {
            BackendOf(grads[0]).ClipByNorm(grads, limit);
            return;
        }
        double total = Math.Sqrt(grads.Sum(g => BackendOf(g).SumOfSquares(g)));
        if (total <= limit) return;
        foreach (var g in grads) BackendOf(g).ScaleInPlace(g, limit / total);
    }

    private double? CheckClip(double? value, string option)
    {
        if (value is null) return null;
        if (!(double.IsFinite(value.Value) && value.Value > 0))
            throw new ArgumentOutOfRangeException(option, value, $"{Name}: {option} must be finite and positive, got {Format(value.Value)}.");
        int others = (_clipNorm is null || option == nameof(ClipNorm) ? 0 : 1)
            + (_clipValue is null || option == nameof(ClipValue) ? 0 : 1)
            + (_globalClipNorm is null || option == nameof(GlobalClipNorm) ? 0 : 1);
        if (others > 0)
            throw new InvalidOperationException($"{Name}: set at most one of ClipNorm, ClipValue and GlobalClipNorm (as in Keras); {option} was set while another is.");
        return value;
    }

    private static string SlotKey(int index, string slot) => $"param.{index}.{slot}";

    private (int Index, string Slot) ParseSlotKey(string key)
    {
        var parts = key.Split('.', 3);
        if (parts.Length == 3 && parts[0] == "param" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            if (index < _parameters.Count) return (index, parts[2]);
            throw new ArgumentException($"{Name}.LoadState: '{key}' names parameter {index}, but {_parameters.Count} parameters are bound.", nameof(key));
        }
        throw new ArgumentException($"{Name}.LoadState: unknown state key '{key}'; expected 'iterations', 'learning_rate' or 'param.<index>.<slot>'.", nameof(key));
    }

    private Tensor CopyForParameter(Tensor saved, Tensor param, string key)
    {
        if (!saved.Shape.Equals(param.Shape))
            throw new ArgumentException($"{Name}.LoadState: '{key}' has shape {saved.Shape} but parameter is {param.Describe()}.", nameof(saved));
        var copy = Tensor.Zeros(param.Shape, param.DType, param.Device);
        copy.Assign(saved.Device.Equals(param.Device) ? saved : saved.To(param.Device));
        return copy;
    }
}
