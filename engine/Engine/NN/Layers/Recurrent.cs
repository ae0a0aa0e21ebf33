using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// What the recurrent layers share: an input sequence [batch, time, features] is projected for every step at once
/// (one GEMM, x·kernel + bias), then a cell runs step by step from a zero state, each step adding the previous
/// output times the recurrent kernel. The output is the last step's [batch, units], or every step's
/// [batch, time, units] with <see cref="ReturnSequences"/>. Built from tensor ops, so gradients flow back through
/// time and every device runs it.
/// </summary>
public abstract class RecurrentLayer : Layer
{
    /// <summary>A recurrent layer of <paramref name="units"/> outputs whose cell has <paramref name="gates"/> gates.</summary>
    /// <param name="units">Output features per step.</param>
    /// <param name="gates">Blocks of <paramref name="units"/> columns in the kernels (4 for LSTM, 3 for GRU).</param>
    /// <param name="returnSequences">Return every step's output, not only the last.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="recurrentInitializer">Default orthogonal.</param>
    /// <param name="name">The layer name.</param>
    private protected RecurrentLayer(int units, int gates, bool returnSequences, Initializer? kernelInitializer,
        Initializer? recurrentInitializer, string? name) : base(name)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{GetType().Name}: units must be positive.");
        Units = units;
        Gates = gates;
        ReturnSequences = returnSequences;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        RecurrentInitializer = recurrentInitializer ?? Initializer.Orthogonal();
    }

    /// <summary>Output features per step.</summary>
    public int Units { get; }

    /// <summary>Whether every step's output is returned.</summary>
    public bool ReturnSequences { get; }

    /// <summary>How the input kernel starts.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>How the recurrent kernel starts.</summary>
    public Initializer RecurrentInitializer { get; }

    /// <summary>[features, gates·units], after Build.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>[units, gates·units], after Build.</summary>
    public Tensor? RecurrentKernel { get; private set; }

    /// <summary>[gates·units], after Build.</summary>
    public Tensor? Bias { get; private set; }

    private protected int Gates { get; }

    /// <summary>The bias's starting values (zeros, or an LSTM's forget-gate ones).</summary>
    private protected virtual Initializer BiasInitializer => Initializer.Zeros;

    /// <inheritdoc/>
    protected override void Build(int[] inputShape)
    {
        if (inputShape.Length != 2)
            throw new ArgumentException($"{Name} ({TypeName}): inputs are sequences (None, time, features), got {Format(inputShape)}.");
        int features = inputShape[1], width = Gates * Units;
        Kernel = AddWeight("kernel", new Shape(features, width), KernelInitializer, (features, width));
        RecurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, width), RecurrentInitializer, (Units, width));
        Bias = AddWeight("bias", new Shape(width), BiasInitializer, (features, width));
        BuildCell();
    }

    /// <summary>Weights of the cell beyond the kernels and bias.</summary>
    private protected virtual void BuildCell() { }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training)
    {
        int batch = input.Shape[0], steps = input.Shape[1];
        if (steps == 0) return Tensor.Zeros(ReturnSequences ? new Shape(batch, 0, Units) : new Shape(batch, Units), input.DType, input.Device);
        var projected = input.MatMul(Kernel!) + Bias!;
        var state = InitialState(batch, input.DType, input.Device);
        var outputs = new List<Tensor>(ReturnSequences ? steps : 1);
        for (int t = 0; t < steps; t++)
        {
            state = Step(projected.Narrow(1, t, 1).Squeeze(1), state);
            if (ReturnSequences) outputs.Add(state.Output);
        }
        return ReturnSequences ? Tensor.Stack(outputs, 1) : state.Output;
    }

    /// <summary>The zero state of a batch.</summary>
    private protected abstract CellState InitialState(int batch, DType dtype, Device device);

    /// <summary>One step: the step's projected input [batch, gates·units] and the previous state give the next.</summary>
    private protected abstract CellState Step(Tensor projectedInput, CellState previous);

    /// <summary>Columns [gate·units, (gate + 1)·units) of a [batch, gates·units] tensor.</summary>
    private protected Tensor Gate(Tensor z, int gate) => z.Narrow(-1, gate * Units, Units);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) =>
        ReturnSequences ? [inputShapes[0][0], Units] : [Units];

    /// <summary>A cell's state: its output h and, for an LSTM, its carry c.</summary>
    private protected readonly record struct CellState(Tensor Output, Tensor? Carry);
}

/// <summary>
/// Long short-term memory (Hochreiter and Schmidhuber; Keras's gate order i, f, g, o):
/// z = xₜ·W + hₜ₋₁·U + b, i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o), cₜ = f·cₜ₋₁ + i·g, hₜ = o·tanh(cₜ).
/// The forget gate's bias starts at one (Keras's <c>unit_forget_bias</c>). Parameters: 4·units·(features + units + 1).
/// </summary>
public sealed class LSTM : RecurrentLayer
{
    /// <summary>An LSTM layer.</summary>
    /// <param name="units">Output features per step.</param>
    /// <param name="returnSequences">Return every step's output, not only the last.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="recurrentInitializer">Default orthogonal.</param>
    /// <param name="name">The layer name.</param>
    public LSTM(int units, bool returnSequences = false, Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null, string? name = null)
        : base(units, gates: 4, returnSequences, kernelInitializer, recurrentInitializer, name) { }

    private protected override Initializer BiasInitializer => new ForgetGateOnes(Units);

    private protected override CellState InitialState(int batch, DType dtype, Device device) =>
        new(Tensor.Zeros(new Shape(batch, Units), dtype, device), Tensor.Zeros(new Shape(batch, Units), dtype, device));

    private protected override CellState Step(Tensor projectedInput, CellState previous)
    {
        var z = projectedInput + previous.Output.MatMul(RecurrentKernel!);
        var carry = Gate(z, 1).Sigmoid() * previous.Carry! + Gate(z, 0).Sigmoid() * Gate(z, 2).Tanh();
        return new(Gate(z, 3).Sigmoid() * carry.Tanh(), carry);
    }

    /// <summary>Zeros with ones in the forget gate's block [units, 2·units).</summary>
    private sealed class ForgetGateOnes(int units) : Initializer
    {
        public override string Name => "lstm_forget_gate_ones";

        public override Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator)
        {
            var values = new double[shape.NumElements];
            for (int j = units; j < 2 * units; j++) values[j] = 1;
            return Tensor.FromArray(values, shape).To(dtype);
        }
    }
}

/// <summary>
/// Gated recurrent unit (Cho et al.; Keras's default <c>reset_after</c> form, gates z, r, h):
/// xz = xₜ·W + b, hz = hₜ₋₁·U + b_rec, z = σ(xz_z + hz_z), r = σ(xz_r + hz_r), h̃ = tanh(xz_h + r·hz_h),
/// hₜ = z·hₜ₋₁ + (1 − z)·h̃. Parameters: 3·units·(features + units + 2).
/// </summary>
public sealed class GRU : RecurrentLayer
{
    /// <summary>A GRU layer.</summary>
    /// <param name="units">Output features per step.</param>
    /// <param name="returnSequences">Return every step's output, not only the last.</param>
    /// <param name="kernelInitializer">Default Glorot uniform.</param>
    /// <param name="recurrentInitializer">Default orthogonal.</param>
    /// <param name="name">The layer name.</param>
    public GRU(int units, bool returnSequences = false, Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null, string? name = null)
        : base(units, gates: 3, returnSequences, kernelInitializer, recurrentInitializer, name) { }

    /// <summary>[3·units], the bias inside the recurrent product (reset_after), after Build.</summary>
    public Tensor? RecurrentBias { get; private set; }

    private protected override void BuildCell() =>
        RecurrentBias = AddWeight("recurrent_bias", new Shape(3 * Units), Initializer.Zeros, (Units, 3 * Units));

    private protected override CellState InitialState(int batch, DType dtype, Device device) =>
        new(Tensor.Zeros(new Shape(batch, Units), dtype, device), null);

    private protected override CellState Step(Tensor projectedInput, CellState previous)
    {
        var recurrent = previous.Output.MatMul(RecurrentKernel!) + RecurrentBias!;
        var update = (Gate(projectedInput, 0) + Gate(recurrent, 0)).Sigmoid();
        var reset = (Gate(projectedInput, 1) + Gate(recurrent, 1)).Sigmoid();
        var candidate = (Gate(projectedInput, 2) + reset * Gate(recurrent, 2)).Tanh();
        return new(update * previous.Output + (1.0 - update) * candidate, null);
    }
}
