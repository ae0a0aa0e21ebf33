using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// An activation function, usable both as a layer's <c>activation:</c> argument and as a layer of its own
/// (<c>model.Add(Activation.ReLU)</c>). Each static member makes a new instance.
/// </summary>
public sealed class Activation : Layer
{
    private readonly Func<Tensor, Tensor> _function;

    private Activation(string function, double parameter, Func<Tensor, Tensor> apply, string? name = null) : base(name)
    {
        Function = function;
        Parameter = parameter;
        _function = apply;
    }

    /// <summary>The Keras name of the function ("relu", "softmax", …).</summary>
    public string Function { get; }

    /// <summary>The function's parameter (the slope of leaky ReLU, the alpha of ELU), else 0.</summary>
    public double Parameter { get; }

    /// <summary>x (no activation).</summary>
    public static Activation Linear => new("linear", 0, x => x);

    /// <summary>max(x, 0).</summary>
    public static Activation ReLU => new("relu", 0, x => x.Relu());

    /// <summary>x for x &gt; 0, slope·x otherwise (Keras's default slope 0.2).</summary>
    /// <param name="slope">The negative slope.</param>
    public static Activation LeakyReLU(double slope = 0.2) => new("leaky_relu", slope, x => x.LeakyRelu(slope));

    /// <summary>x for x &gt; 0, alpha·(eˣ − 1) otherwise.</summary>
    /// <param name="alpha">The saturation value for large negative x.</param>
    public static Activation ELU(double alpha = 1.0) => new("elu", alpha, x => x.Elu(alpha));

    /// <summary>Scaled ELU with the self-normalising constants (use with LeCun-normal initial weights).</summary>
    public static Activation SELU => new("selu", 0, x => x.Elu(SeluAlpha) * SeluScale);

    /// <summary>x·Φ(x), exact (erf) form.</summary>
    public static Activation GELU => new("gelu", 0, x => x.Gelu());

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public static Activation Sigmoid => new("sigmoid", 0, x => x.Sigmoid());

    /// <summary>tanh(x).</summary>
    public static Activation Tanh => new("tanh", 0, x => x.Tanh());

    /// <summary>Softmax over the last axis.</summary>
    public static Activation Softmax => new("softmax", 0, x => x.Softmax(-1));

    /// <summary>log(1 + eˣ).</summary>
    public static Activation Softplus => new("softplus", 0, x => x.Softplus());

    /// <summary>x·sigmoid(x) (also called SiLU).</summary>
    public static Activation Swish => new("swish", 0, x => x.Silu());

    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>Looks an activation up by its Keras name, with its parameter where it has one.</summary>
    /// <param name="function">"relu", "softmax", …</param>
    /// <param name="parameter">The slope or alpha, for leaky_relu and elu.</param>
    public static Activation FromName(string function, double parameter = 0) => function switch
    {
        "linear" => Linear,
        "relu" => ReLU,
        "leaky_relu" => LeakyReLU(parameter),
        "elu" => ELU(parameter),
        "selu" => SELU,
        "gelu" => GELU,
        "sigmoid" => Sigmoid,
        "tanh" => Tanh,
        "softmax" => Softmax,
        "softplus" => Softplus,
        "swish" => Swish,
        _ => throw new ArgumentException($"Activation: unknown function '{function}'."),
    };

    /// <summary>The same function as a layer of the given name (how a loaded model gets its saved layer names back).</summary>
    /// <param name="name">The layer name, or null for a fresh "activation…" name.</param>
    internal Activation Renamed(string? name) => new(Function, Parameter, _function, name);

    /// <summary>Applies the function to a tensor.</summary>
    /// <param name="x">Any tensor.</param>
    public Tensor Apply(Tensor x) => _function(x);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor input, bool training) => _function(input);

    /// <inheritdoc/>
    protected override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes) => inputShapes[0];

    /// <inheritdoc/>
    public override string ToString() => Function;
}
