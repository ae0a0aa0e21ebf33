using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// One SGD training step of the convolution issue's small MNIST CNN through the tensor API: conv 1→32 3×3, ReLU,
/// max-pool 2, conv 32→64 3×3, ReLU, max-pool 2, flatten, dense 1600→128, ReLU, dense 128→10, softmax
/// cross-entropy, backward, update (PyTorch measured 60 ms on 1 thread at batch 64).
/// </summary>
internal sealed class CnnStepWorkload : IWorkload
{
    private const double LearningRate = 0.01;
    private readonly Tensor _x;
    private readonly Tensor _labels;
    private readonly Tensor[] _parameters;

    public CnnStepWorkload(int batch)
    {
        var g = new Generator(1);
        _x = Tensor.Uniform(new Shape(batch, 1, 28, 28), 0, 1, generator: g);
        _labels = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => i % 10).ToArray());
        Tensor Param(Shape shape, int fanIn)
        {
            double bound = 1 / Math.Sqrt(fanIn); // PyTorch's default initialisation bound
            return Tensor.Uniform(shape, -bound, bound, generator: g, requiresGrad: true);
        }
        _parameters =
        [
            Param(new Shape(32, 1, 3, 3), 9), Param(new Shape(32), 9),
            Param(new Shape(64, 32, 3, 3), 288), Param(new Shape(64), 288),
            Param(new Shape(1600, 128), 1600), Param(new Shape(128), 1600),
            Param(new Shape(128, 10), 128), Param(new Shape(10), 128),
        ];
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
        var p = _parameters;
        var h = _x.Conv2d(p[0], p[1]).Relu().MaxPool2d(2);
        h = h.Conv2d(p[2], p[3]).Relu().MaxPool2d(2);
        h = (h.Reshape(h.Shape[0], 1600).MatMul(p[4]) + p[5]).Relu();
        var logits = h.MatMul(p[6]) + p[7];
        Losses.CrossEntropy(logits, _labels).Backward();
        using (Autograd.NoGrad())
        {
            foreach (var q in p)
            {
                q.SubInPlace(q.Grad! * LearningRate);
                q.ZeroGrad();
            }
        }
    }

    public void Dispose()
    {
    }
}
