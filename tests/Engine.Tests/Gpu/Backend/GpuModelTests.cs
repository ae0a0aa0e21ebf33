using Engine.Data;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>Models trained on the GPU backend: the same training as on the CPU, end to end through Fit.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuModelTests
{
    private static readonly Lazy<MnistDataset> Digits = new(() => Mnist.Load());

    private static Sequential Mlp() => new Sequential(seed: 5)
        .Add(new Input(784))
        .Add(new Dense(32, activation: Activation.ReLU))
        .Add(new Dense(10, activation: Activation.Softmax));

    /// <summary>
    /// One epoch of the MNIST MLP (reduced: 512 training digits) on the GPU device reaches the CPU's test accuracy
    /// within noise, and the weights it ends with agree with the CPU's closely (same seed, same batches).
    /// </summary>
    [Fact]
    public void TheMnistMlpTrainsOnTheGpuAsOnTheCpu()
    {
        var train = Digits.Value.Train;
        var test = Digits.Value.Test;
        var (x, y) = (train.Images.Narrow(0, 0, 512).Reshape(512, 784), train.Labels.Narrow(0, 0, 512));
        var (testX, testY) = (test.Images.Narrow(0, 0, 500).Reshape(500, 784), test.Labels.Narrow(0, 0, 500));

        (double Accuracy, float[] Weights) Train(Device device)
        {
            var model = Mlp().To(device);
            model.Compile(new Adam(learningRate: 3e-3), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
            model.Fit(x, y, epochs: 1, batchSize: 32, verbose: 0, seed: 9);
            Assert.All(model.Weights, w => Assert.Equal(device, w.Value.Device));
            double accuracy = model.Evaluate(testX, testY, batchSize: 250)["accuracy"];
            return (accuracy, model.Weights.SelectMany(w => w.Value.ToArray<float>()).ToArray());
        }

        var cpu = Train(Device.Cpu);
        var gpu = Train(GpuTestDevice.Device);
        Assert.True(cpu.Accuracy > 0.6, $"CPU test accuracy {cpu.Accuracy}");
        Assert.True(Math.Abs(gpu.Accuracy - cpu.Accuracy) <= 0.02, $"GPU test accuracy {gpu.Accuracy}, CPU {cpu.Accuracy}");
        double num = 0, den = 0;
        for (int i = 0; i < cpu.Weights.Length; i++)
        {
            num += Math.Pow(gpu.Weights[i] - cpu.Weights[i], 2);
            den += Math.Pow(cpu.Weights[i], 2);
        }
        Assert.True(num / den < 1e-6, $"GPU and CPU weights differ: normalised error {num / den:E2}");
    }

    /// <summary>
    /// A small CNN (convolution, pooling, batch norm, dropout) trains on the GPU as on the CPU: the same seed gives the
    /// same per-epoch losses (within float rounding), the loss falls, and Predict runs on the GPU. The digits are
    /// cropped to their central 14×14 pixels and few, because the simulator runs convolutions slowly.
    /// </summary>
    [Fact]
    public void ACnnTrainsOnTheGpuAsOnTheCpu()
    {
        var train = Digits.Value.Train;
        var x = train.Images.Narrow(0, 0, 32).Slice(2, 7, 21).Slice(3, 7, 21).Contiguous();
        var y = train.Labels.Narrow(0, 0, 32);
        (double[] Losses, Tensor Predictions) Train(Device device)
        {
            var model = new Sequential(seed: 2)
                .Add(new Input(1, 14, 14))
                .Add(new Conv2D(4, 3, activation: Activation.ReLU))
                .Add(new MaxPool2D(2))
                .Add(new BatchNormalization())
                .Add(new Flatten())
                .Add(new Dropout(0.2))
                .Add(new Dense(10, activation: Activation.Softmax))
                .To(device);
            model.Compile(new Adam(learningRate: 1e-2), Loss.SparseCategoricalCrossentropy);
            var history = model.Fit(x, y, epochs: 3, batchSize: 16, verbose: 0, seed: 4);
            return ([.. history["loss"]], model.Predict(x.Narrow(0, 0, 8)));
        }
        var cpu = Train(Device.Cpu);
        var gpu = Train(GpuTestDevice.Device);
        Assert.True(cpu.Losses[2] < cpu.Losses[0] * 0.8, $"CPU loss {string.Join(", ", cpu.Losses)}");
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.True(Math.Abs(gpu.Losses[epoch] - cpu.Losses[epoch]) <= 1e-4 * cpu.Losses[epoch],
                $"epoch {epoch}: GPU loss {gpu.Losses[epoch]}, CPU loss {cpu.Losses[epoch]}");
        Assert.Equal(GpuTestDevice.Device, gpu.Predictions.Device);
        BackendComparison.AssertMatches(cpu.Predictions, gpu.Predictions, "CNN predictions after training");
    }

    /// <summary>
    /// Device memory stays bounded over a training loop that never disposes anything: with the collection budget
    /// lowered to 32 KiB, 20 steps allocate several times that, and the bytes in use never grow past a few budgets.
    /// (The simulator is slow, hence the small loop; the mechanism is the same at any length.)
    /// </summary>
    [Fact]
    public void DeviceMemoryStaysBoundedOverATrainingLoop()
    {
        var gpu = GpuTestDevice.Device;
        var generator = new Generator(8);
        var x = Tensor.Uniform(new Shape(64, 8), -1, 1, DType.Float32, generator);
        var y = (Tensor.Rand(new Shape(64), DType.Float64, generator) * 3).Clamp(0, 2).To(DType.Int32);
        var model = new Sequential(seed: 1)
            .Add(new Input(8)).Add(new Dense(16, activation: Activation.ReLU)).Add(new Dense(3, activation: Activation.Softmax))
            .To(gpu);
        model.Compile(new Adam(learningRate: 1e-2), Loss.SparseCategoricalCrossentropy, [Metric.Accuracy]);
        long budget = Engine.Backends.Gpu.GpuBackend.CollectionBudget;
        Engine.Backends.Gpu.GpuBackend.CollectionBudget = 32L << 10;
        try
        {
            model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0); // weights, optimizer state and kernels in place
            long start = gpu.MemoryStatistics.InUse, peak = start, allocated = 0;
            var watch = new LambdaCallback(onBatchEnd: (_, _) => peak = Math.Max(peak, gpu.MemoryStatistics.InUse));
            long before = AllocatedBytes(gpu);
            var history = model.Fit(x, y, epochs: 5, batchSize: 16, verbose: 0, callbacks: [watch]);
            allocated = AllocatedBytes(gpu) - before;
            Assert.True(history["loss"][^1] < history["loss"][0], $"loss {string.Join(", ", history["loss"])}");
            Assert.True(allocated > 4 * (32L << 10), $"the loop allocated only {allocated:N0} bytes: too little to test the collection");
            Assert.True(peak - start < 3 * (32L << 10), $"device bytes in use grew by {peak - start:N0} over 20 steps (allocated {allocated:N0})");
        }
        finally
        {
            Engine.Backends.Gpu.GpuBackend.CollectionBudget = budget;
        }
    }

    /// <summary>Total bytes the device's pool has handed out so far.</summary>
    private static long AllocatedBytes(Device device) => ((Engine.Backends.Gpu.GpuBackend)device.Backend).AllocatedBytes;

    /// <summary>A model moved to the GPU saves and loads like any other; the loaded copy predicts the same on the CPU.</summary>
    [Fact]
    public void AGpuModelSavesAndLoads()
    {
        var model = Mlp().To(GpuTestDevice.Device);
        model.Compile(new Sgd(learningRate: 0.1), Loss.SparseCategoricalCrossentropy);
        var x = Digits.Value.Train.Images.Narrow(0, 0, 64).Reshape(64, 784);
        model.Fit(x, Digits.Value.Train.Labels.Narrow(0, 0, 64), epochs: 1, batchSize: 32, verbose: 0);
        string path = Path.Combine(Path.GetTempPath(), $"gpu-model-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(Device.Cpu, loaded.Device);
            BackendComparison.AssertMatches(loaded.Predict(x), model.Predict(x), "predictions after save and load");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
