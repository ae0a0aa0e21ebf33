using Engine.Autodiff;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// One SGD training step of an MLP through the tensor API and autodiff: forward (matmul + bias, ReLU),
/// softmax cross-entropy, <see cref="Tensor.Backward"/>, and the parameter update under
/// <see cref="Autograd.NoGrad"/> — what a model's <c>Fit</c> does per batch.
/// </summary>
internal sealed class MlpStepWorkload : IWorkload
{
    private const double LearningRate = 0.01;
    private readonly Tensor _x;
    private readonly Tensor _labels;
    private readonly Tensor[] _weights;
    private readonly Tensor[] _biases;
    private readonly Sgd _sgd;
    private readonly Device _device;

    public MlpStepWorkload(int[] layers, int batch, Device device)
    {
        _device = device;
        var g = new Generator(1);
        _x = Tensor.Randn(new Shape(batch, layers[0]), generator: g, device: device);
        _labels = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => i % layers[^1]).ToArray(), device: device);
        _weights = new Tensor[layers.Length - 1];
        _biases = new Tensor[layers.Length - 1];
        for (int i = 0; i < _weights.Length; i++)
        {
            double bound = 1 / Math.Sqrt(layers[i]); // PyTorch's nn.Linear initialisation
            _weights[i] = Tensor.Uniform(new Shape(layers[i], layers[i + 1]), -bound, bound, generator: g, device: device, requiresGrad: true);
            _biases[i] = Tensor.Uniform(new Shape(layers[i + 1]), -bound, bound, generator: g, device: device, requiresGrad: true);
        }
        _sgd = new Sgd(LearningRate, parameters: _weights.Concat(_biases));
        WarmUp();
    }

    /// <summary>
    /// A step runs a few hundred distinct methods, and the JIT promotes them to tier 1 only after each
    /// has run a while: the first seconds of steps run several times slower than the steady state that a
    /// training run of thousands of steps sees. The quick mode's generic half-second warm-up is too short.
    /// </summary>
    private void WarmUp()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < WarmUpSeconds) Run();
    }

    private const double WarmUpSeconds = 4;

    public void Run()
    {
        var h = _x;
        for (int i = 0; i < _weights.Length; i++)
        {
            h = h.MatMul(_weights[i]) + _biases[i];
            if (i < _weights.Length - 1) h = h.Relu();
        }
        Losses.CrossEntropy(h, _labels).Backward();
        _sgd.Step(); // p −= lr·grad in one fused pass per parameter, as PyTorch's p.sub_(grad, alpha=lr)
        _sgd.ZeroGrad();
        _device.Synchronize();
    }

    public void Dispose()
    {
    }
}
