using Engine.Autodiff;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// One SGD training step of the convolution issue's small MNIST CNN, built from the model API's layers: conv 1→32
/// 3×3 ReLU, max-pool 2, conv 32→64 3×3 ReLU, max-pool 2, flatten, dense 1600→128 ReLU, dense 128→10, softmax
/// cross-entropy, backward, update (PyTorch measured 60 ms on 1 thread at batch 64).
/// </summary>
internal sealed class CnnStepWorkload : IWorkload
{
    private const double LearningRate = 0.01;
    private readonly Tensor _x;
    private readonly Tensor _labels;
    private readonly Sequential _model;
    private readonly Sgd _sgd;
    private readonly Device _device;

    public CnnStepWorkload(int batch, Device device)
    {
        _device = device;
        var g = new Generator(1);
        _x = Tensor.Uniform(new Shape(batch, 1, 28, 28), 0, 1, generator: g, device: device);
        _labels = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => i % 10).ToArray(), device: device);
        _model = new Sequential(new Input(1, 28, 28), new Conv2D(32, 3, activation: Activation.ReLU), new MaxPool2D(2),
            new Conv2D(64, 3, activation: Activation.ReLU), new MaxPool2D(2), new Flatten(),
            new Dense(128, activation: Activation.ReLU), new Dense(10));
        _model.To(device);
        _sgd = new Sgd(LearningRate, parameters: _model.Weights.Select(w => w.Value));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 3) Run(); // reach tier-1 JIT, as MlpStepWorkload explains
    }

    /// <summary>Two flops per multiply-add of the convolutions and matrix products, forward and both backward passes (less the first layer's input gradient).</summary>
    public static double Flops(int batch)
    {
        double conv1 = 2.0 * batch * 32 * 26 * 26 * 9, conv2 = 2.0 * batch * 64 * 11 * 11 * 288;
        double dense1 = 2.0 * batch * 1600 * 128, dense2 = 2.0 * batch * 128 * 10;
        return 3 * (conv1 + conv2 + dense1 + dense2) - conv1;
    }

    public void Run()
    {
        Losses.CrossEntropy(_model.Call(_x, training: true), _labels).Backward();
        _sgd.Step(); // one fused pass per parameter, as PyTorch's p.sub_(grad, alpha=lr)
        _sgd.ZeroGrad();
        _device.Synchronize();
    }

    public void Dispose()
    {
    }
}
