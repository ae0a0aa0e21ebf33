using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// One training epoch of the model-API issue's MNIST models through <see cref="Model.Fit(Tensor, Tensor, int, int, double, ValueTuple{Tensor, Tensor}?, bool, IReadOnlyList{Callback}?, int, ulong?)"/>
/// on the bundled 8,000 training digits: Adam 1e-3, batch 128, shuffled, no augmentation, silent.
/// "cnn": conv 32 3×3 relu, max-pool 2, conv 64 3×3 relu, max-pool 2, flatten, dropout 0.5, dense 10 softmax;
/// "mlp": 784-256-128-10 with ReLU and softmax.
/// </summary>
internal sealed class EpochWorkload : IWorkload
{
    private readonly Model _model;
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly Device _device;
    private int _epoch;

    /// <summary>The model runs on <paramref name="device"/> (<see cref="Model.To"/>); the batches come from the host, as part of the epoch.</summary>
    public EpochWorkload(string model, Device device)
    {
        _device = device;
        var train = Mnist.Load().Train;
        _y = train.Labels;
        _x = model == "cnn" ? train.Images : train.Images.Reshape(train.Count, 784);
        _model = model == "cnn"
            ? new Sequential(new Input(1, 28, 28), new Conv2D(32, 3, activation: Activation.ReLU), new MaxPool2D(2),
                new Conv2D(64, 3, activation: Activation.ReLU), new MaxPool2D(2), new Flatten(), new Dropout(0.5),
                new Dense(10, activation: Activation.Softmax))
            : new Sequential(new Input(784), new Dense(256, activation: Activation.ReLU), new Dense(128, activation: Activation.ReLU),
                new Dense(10, activation: Activation.Softmax));
        _model.To(device);
        _model.Compile(new Adam(learningRate: 1e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        Run(); // the first epoch compiles every method to tier 0; the quick mode's warm-up adds more
    }

    /// <summary>Samples per epoch, the unit of the reported throughput.</summary>
    public static long Samples => 8000;

    public void Run()
    {
        _model.Fit(_x, _y, epochs: 1, batchSize: 128, verbose: 0, seed: (ulong)_epoch++);
        _device.Synchronize();
    }

    public void Dispose()
    {
    }
}
