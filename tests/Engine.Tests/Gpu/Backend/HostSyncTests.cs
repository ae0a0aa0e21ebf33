using Xunit.Abstractions;
using Engine.Backends.Gpu;
using Engine.Kernels.Gpu;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// Training on a GPU does not wait for the device per batch: Fit's loss and the built-in metrics stay on the device,
/// batch logs are read only when something reads them, and Tensor.To copies straight between CPU storage and the device.
/// The counters of <see cref="GpuBackend"/> count every wait. Tensors are tiny: the simulator is slow.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class HostSyncTests(ITestOutputHelper output)
{
    private const int BatchSize = 4;

    private static GpuBackend Backend => (GpuBackend)GpuTestDevice.Device.Backend;

    private static (Tensor X, Tensor Y) Classes(int rows, int[] sample, ulong seed)
    {
        var generator = new Generator(seed);
        var x = Tensor.Uniform(new Shape([rows, .. sample]), -1, 1, DType.Float32, generator);
        var labels = (Tensor.Rand(new Shape(rows), DType.Float64, generator) * 3).Clamp(0, 2).To(DType.Int32);
        return (x, labels.OneHot(3)); // one-hot, so that an error metric applies as well as accuracy
    }

    private static Model Mlp() => new Sequential(seed: 3)
        .Add(new Input(6)).Add(new Dense(8, activation: Activation.ReLU)).Add(new Dense(3, activation: Activation.Softmax));

    private static Model Cnn() => new Sequential(seed: 4)
        .Add(new Input(1, 6, 6))
        .Add(new Conv2D(2, 3, activation: Activation.ReLU))
        .Add(new MaxPool2D(2))
        .Add(new Flatten())
        .Add(new Dense(3, activation: Activation.Softmax));

    private static Metric[] SomeMetrics() => [Metric.Accuracy, Metric.MeanSquaredError];

    /// <summary>What one Fit epoch over <paramref name="batches"/> batches made the device do, as counted by <see cref="GpuBackend"/>.</summary>
    private readonly record struct Waits(long Reads, long RangeChecks, long Uploads, long All)
    {
        public static Waits operator -(Waits a, Waits b) => new(a.Reads - b.Reads, a.RangeChecks - b.RangeChecks, a.Uploads - b.Uploads, a.All - b.All);
    }

    private static Waits Now()
    {
        var backend = Backend;
        return new(backend.DeviceToHostReads, backend.IndexRangeChecks, backend.HostToDeviceCopies, backend.HostSynchronizations);
    }

    private static Waits CountEpoch(Model model, int[] sample, int batches, bool dataOnDevice, bool shuffle = true)
    {
        var (x, y) = Classes(batches * BatchSize, sample, seed: (ulong)batches);
        if (dataOnDevice) (x, y) = (x.To(GpuTestDevice.Device), y.To(GpuTestDevice.Device));
        var before = Now();
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0, shuffle: shuffle);
        return Now() - before;
    }

    /// <summary>Two epochs of 2 and 6 batches of a fresh model, after one to place weights, make optimizer state and compile kernels.</summary>
    private (Waits Two, Waits Six) CountEpochs(Func<Model> build, int[] sample, bool dataOnDevice, Optimizer? optimizer = null)
    {
        var model = build().To(GpuTestDevice.Device);
        model.Compile(optimizer ?? new Adam(learningRate: 1e-2), Loss.CategoricalCrossentropy, SomeMetrics());
        CountEpoch(model, sample, 2, dataOnDevice);
        var two = CountEpoch(model, sample, 2, dataOnDevice);
        var six = CountEpoch(model, sample, 6, dataOnDevice);
        output.WriteLine($"data on the {(dataOnDevice ? "device" : "host")}: 2 batches {two}; 6 batches {six}");
        if (!dataOnDevice) AssertEvaluateReadsOnce(model, sample);
        return (two, six);
    }

    /// <summary>Evaluate over 5 batches of host data reads the device once, for its result.</summary>
    private static void AssertEvaluateReadsOnce(Model model, int[] sample)
    {
        var (x, y) = Classes(5 * BatchSize - 1, sample, seed: 5);
        var before = Now();
        var logs = model.Evaluate(x, y, batchSize: BatchSize);
        var waits = Now() - before;
        Assert.True(waits.Reads == 1, $"Evaluate: {waits}");
        Assert.Equal(["loss", "accuracy", "mean_squared_error"], logs.Keys);
    }

    /// <summary>
    /// With the data on the host, an epoch reads from the device once (its logs) however many batches it has; what
    /// grows is the upload of each batch's inputs and targets, which waits for the device only where uploads are
    /// not staged (OpenCL).
    /// </summary>
    private void AssertReadsDoNotGrowWithBatches(Func<Model> build, int[] sample)
    {
        var (two, six) = CountEpochs(build, sample, dataOnDevice: false);
        Assert.True(six.Reads == two.Reads && two.Reads == 1, $"device-to-host reads: {two.Reads} for 2 batches, {six.Reads} for 6 (one expected)");
        Assert.True(six.Uploads - two.Uploads == 2 * 4, $"host-to-device copies: {two.Uploads} for 2 batches, {six.Uploads} for 6 (x and y per batch)");
        AssertOnlyUnstagedUploadsWait(two, six);
    }

    /// <summary>
    /// Waits grow with the batches only by the uploads, and not at all where uploads go through page-locked staging
    /// (CUDA, the simulator).
    /// </summary>
    private static void AssertOnlyUnstagedUploadsWait(Waits two, Waits six)
    {
        long perUpload = GpuUploadStaging.Supports(Backend.Accelerator) ? 0 : 1;
        Assert.True(six.All - two.All == perUpload * (six.Uploads - two.Uploads),
            $"waits: {two} for 2 batches, {six} for 6 ({perUpload} per upload expected)");
    }

    /// <summary>
    /// With the data already on the device, an epoch reads from the device a fixed number of times too: its logs, and
    /// once the index fault cell that the gathers picking each batch's rows have written (checked at that read, not
    /// per gather). The epoch's row order goes up once, and each batch gathers through a slice of it.
    /// </summary>
    private void AssertDeviceDataReadsDoNotGrowWithBatches(Func<Model> build, int[] sample)
    {
        var (two, six) = CountEpochs(build, sample, dataOnDevice: true);
        Assert.True(six.RangeChecks == two.RangeChecks && two.RangeChecks == 1, $"range checks: {two.RangeChecks} for 2 batches, {six.RangeChecks} for 6 (one expected)");
        Assert.True(six.Reads == two.Reads && two.Reads == 2, $"reads: 2 batches {two}, 6 batches {six} (logs and the fault cell expected)");
        Assert.True(six.Uploads == two.Uploads, $"host-to-device copies: {two.Uploads} for 2 batches, {six.Uploads} for 6 (the epoch's row order, once)");
    }

    /// <summary>An MLP's epoch on host data reads the device a fixed number of times.</summary>
    [Fact]
    public void AnMlpEpochReadsTheDeviceAFixedNumberOfTimes() => AssertReadsDoNotGrowWithBatches(Mlp, [6]);

    /// <summary>A CNN's epoch on host data reads the device a fixed number of times.</summary>
    [Fact]
    public void ACnnEpochReadsTheDeviceAFixedNumberOfTimes() => AssertReadsDoNotGrowWithBatches(Cnn, [1, 6, 6]);

    /// <summary>An MLP's epoch on device data reads the device a fixed number of times.</summary>
    [Fact]
    public void AnMlpEpochOnDeviceDataReadsTheDeviceAFixedNumberOfTimes() => AssertDeviceDataReadsDoNotGrowWithBatches(Mlp, [6]);

    /// <summary>A CNN's epoch on device data reads the device a fixed number of times.</summary>
    [Fact]
    public void ACnnEpochOnDeviceDataReadsTheDeviceAFixedNumberOfTimes() => AssertDeviceDataReadsDoNotGrowWithBatches(Cnn, [1, 6, 6]);

    /// <summary>
    /// Un-shuffled device data is batched by copying slices: an epoch uploads nothing and checks no index, reading
    /// the device once (its logs) at 2 batches as at 6.
    /// </summary>
    [Fact]
    public void AnEpochOnDeviceDataInOrderUploadsNothing()
    {
        var model = Mlp().To(GpuTestDevice.Device);
        model.Compile(new Adam(learningRate: 1e-2), Loss.CategoricalCrossentropy, SomeMetrics());
        CountEpoch(model, [6], 2, dataOnDevice: true, shuffle: false);
        var two = CountEpoch(model, [6], 2, dataOnDevice: true, shuffle: false);
        var six = CountEpoch(model, [6], 6, dataOnDevice: true, shuffle: false);
        output.WriteLine($"in order, data on the device: 2 batches {two}; 6 batches {six}");
        Assert.True(two == six && six.Uploads == 0 && six.RangeChecks == 0 && six.Reads == 1, $"2 batches {two}, 6 batches {six}");
    }

    /// <summary>
    /// Gradient clipping by norm (each gradient, or all together) computes its factor on the device: an epoch still
    /// reads the device once, however many batches it has.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClippingByNormDoesNotReadTheDevicePerBatch(bool global)
    {
        var adam = global ? new Adam(learningRate: 1e-2) { GlobalClipNorm = 0.05 } : new Adam(learningRate: 1e-2) { ClipNorm = 0.05 };
        var (two, six) = CountEpochs(Mlp, [6], dataOnDevice: false, adam);
        Assert.True(six.Reads == two.Reads && two.Reads == 1, $"device-to-host reads: {two.Reads} for 2 batches, {six.Reads} for 6 (one expected)");
        AssertOnlyUnstagedUploadsWait(two, six);
    }

    /// <summary>
    /// An out-of-range index on the GPU is reported at the next read from the device (not at the gather, which does
    /// not wait), naming the op, the index and the axis; the fault is then cleared.
    /// </summary>
    [Fact]
    public void AnOutOfRangeIndexSurfacesAtTheNextRead()
    {
        var device = GpuTestDevice.Device;
        var table = Tensor.Uniform(new Shape(5, 3), -1, 1, generator: new Generator(1)).To(device);
        var bad = Tensor.FromArray(new[] { 1, 7, 2 }).To(device);
        var backend = (GpuBackend)device.Backend;
        long reads = backend.DeviceToHostReads;
        var picked = table.IndexSelect(0, bad);
        var doubled = picked * 2;
        Assert.Equal(reads, backend.DeviceToHostReads);
        var e = Assert.Throws<IndexOutOfRangeException>(() => doubled.ToArray<float>());
        Assert.Contains("Gather: index 7 is out of range for an axis of size 5", e.Message);
        Assert.Contains("next read from the device", e.Message);
        var good = table.IndexSelect(0, Tensor.FromArray(new[] { 4, 0 }).To(device)).ToArray<float>();
        Assert.Equal(table.ToArray<float>()[12..15], good[..3]);
    }

    /// <summary>The loss and metrics in History equal the CPU run's: the device-side sums change nothing.</summary>
    [Fact]
    public void HistoryOnTheGpuEqualsTheCpus()
    {
        var (x, y) = Classes(3 * BatchSize + 2, [6], seed: 11);
        History Train(Device device)
        {
            var model = Mlp().To(device);
            model.Compile(new Adam(learningRate: 1e-2), Loss.CategoricalCrossentropy, SomeMetrics());
            return model.Fit(x.To(device), y.To(device), epochs: 2, batchSize: BatchSize, verbose: 0, seed: 5, validationSplit: 0.25);
        }
        var cpu = Train(Device.Cpu);
        var gpu = Train(GpuTestDevice.Device);
        Assert.Equal(cpu.Values.Keys, gpu.Values.Keys);
        foreach (var (name, values) in cpu.Values)
            for (int epoch = 0; epoch < values.Count; epoch++)
                Assert.True(Math.Abs(values[epoch] - gpu[name][epoch]) <= 1e-5 * Math.Max(1, Math.Abs(values[epoch])),
                    $"{name}, epoch {epoch}: GPU {gpu[name][epoch]}, CPU {values[epoch]}");
    }

    /// <summary>Every built-in metric's Update leaves its state on the device (no read), and its Result equals the CPU's.</summary>
    [Fact]
    public void MetricUpdatesDoNotReadTheDevice()
    {
        var generator = new Generator(21);
        var scores = Tensor.Rand(new Shape(10, 1), DType.Float32, generator);
        var targets = Tensor.Rand(new Shape(10), DType.Float32, generator).Gt(0.5).To(DType.Float32);
        var gpu = GpuTestDevice.Device;
        Metric[] Every() => [Metric.Accuracy, Metric.BinaryAccuracy, Metric.Precision, Metric.Recall, Metric.AUC,
            Metric.MeanAbsoluteError, Metric.MeanSquaredError];
        var (onCpu, onGpu) = (Every(), Every());
        var (gpuScores, gpuTargets) = (scores.To(gpu), targets.To(gpu));
        for (int i = 0; i < onCpu.Length; i++)
        {
            onCpu[i].Update(targets, scores);
            onCpu[i].Update(targets[..3], scores[..3]);
            long reads = Backend.DeviceToHostReads;
            onGpu[i].Update(gpuTargets, gpuScores);
            onGpu[i].Update(gpuTargets[..3], gpuScores[..3]);
            Assert.True(Backend.DeviceToHostReads == reads, $"{onGpu[i].Name}: Update read the device {Backend.DeviceToHostReads - reads} times");
            Assert.Equal(onCpu[i].Result(), onGpu[i].Result(), 12);
        }
    }

    /// <summary>
    /// Tensor.To between the CPU and the device is one copy each way (no other wait), from contiguous tensors and from
    /// strided views, and allocates no host buffer of the tensor's size.
    /// </summary>
    [Fact]
    public void ToDeviceCopiesStraightBetweenCpuStorageAndTheDevice()
    {
        var gpu = GpuTestDevice.Device;
        var values = Tensor.Uniform(new Shape(64, 96), -3, 3, DType.Float64, new Generator(9));
        foreach (var cpu in new[] { values, values.Transpose(0, 1), values.Slice(1, 1, 90, 3), values.To(DType.Int32) })
        {
            var (there, copiesUp, readsUp, bytesUp) = Counted(() => cpu.To(gpu));
            Assert.Equal((1L, 0L), (copiesUp, readsUp));
            var onDevice = there.Transpose(0, 1); // a strided view on the device too
            var (back, copiesDown, readsDown, bytesDown) = Counted(() => onDevice.To(Device.Cpu));
            Assert.Equal((0L, 1L), (copiesDown, readsDown));
            Assert.Equal(cpu.Transpose(0, 1).ToDoubles(), back.ToDoubles());
            long tensorBytes = cpu.NumElements * cpu.DType.SizeOf();
            Assert.True(bytesUp < tensorBytes / 2 && bytesDown < tensorBytes / 2,
                $"{cpu.Describe()}: To allocated {bytesUp} bytes up and {bytesDown} down for a {tensorBytes}-byte tensor");
        }
    }

    private static (Tensor Result, long Copies, long Reads, long ManagedBytes) Counted(Func<Tensor> copy)
    {
        copy(); // JIT and kernels compiled outside the count
        var backend = Backend;
        long copies = backend.HostToDeviceCopies, reads = backend.DeviceToHostReads;
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        var result = copy();
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return (result, backend.HostToDeviceCopies - copies, backend.DeviceToHostReads - reads, bytes);
    }
}
