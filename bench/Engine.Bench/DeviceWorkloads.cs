using Engine.Autodiff;
using Engine.Backends.Gpu;
using Engine.Kernels.Gpu;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// Workloads through a device's backend primitives on preallocated tensors (no allocation per call, as PyTorch's
/// out= variants), each call ending with <see cref="Device.Synchronize"/>: GPU ops are queued asynchronously.
/// </summary>
internal abstract class DeviceWorkload(Device device) : IWorkload
{
    protected Device Device { get; } = device;
    private readonly List<Tensor> _owned = [];

    protected Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    protected Tensor Uniform(Shape shape, double low, double high, DType dtype = DType.Float32, ulong seed = 1) =>
        Own(Tensor.Uniform(shape, low, high, dtype, new Generator(seed), Device));

    protected Tensor Zeros(Shape shape, DType dtype = DType.Float32) => Own(Tensor.Zeros(shape, dtype, Device));

    public void Run()
    {
        Call();
        Device.Synchronize();
    }

    protected abstract void Call();

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
    }
}

/// <summary>
/// C = A·B (A transposed through a strided view when the shape says so), with the backend's GEMM kernel or, on a GPU,
/// the one the case names.
/// </summary>
internal sealed class DeviceGemmWorkload : DeviceWorkload
{
    private readonly Tensor _a, _b, _c;
    private readonly GpuGemmAlgorithm? _algorithm;

    public DeviceGemmWorkload(Device device, GemmShape shape, DType dtype, GpuGemmAlgorithm? algorithm = null) : base(device)
    {
        _algorithm = algorithm;
        _a = shape.TransposeA ? Uniform(new Shape(shape.K, shape.M), -1, 1, dtype).T : Uniform(new Shape(shape.M, shape.K), -1, 1, dtype);
        _b = Uniform(new Shape(shape.K, shape.N), -1, 1, dtype, seed: 2);
        _c = Zeros(new Shape(shape.M, shape.N), dtype);
    }

    protected override void Call()
    {
        if (_algorithm is not { } algorithm || Device.Backend is not GpuBackend gpu)
        {
            Device.Backend.MatMul(_a, _b, _c);
            return;
        }
        // The kernel is chosen when the product is queued, so the backend's default is back before the next case.
        var previous = gpu.GemmAlgorithm;
        gpu.GemmAlgorithm = algorithm;
        try
        {
            Device.Backend.MatMul(_a, _b, _c);
        }
        finally
        {
            gpu.GemmAlgorithm = previous;
        }
    }
}

/// <summary>y = op(x) over n floats in [-4, 4).</summary>
internal sealed class DeviceUnaryWorkload : DeviceWorkload
{
    private readonly UnaryOp _op;
    private readonly Tensor _x, _y;

    public DeviceUnaryWorkload(Device device, UnaryOp op, long length) : base(device)
    {
        _op = op;
        _x = Uniform(new Shape(checked((int)length)), -4, 4);
        _y = Zeros(_x.Shape);
    }

    protected override void Call() => Device.Backend.Unary(_op, _x, _y, 0, 0);
}

/// <summary>
/// y ← x between two distinct contiguous buffers of the device (the backend's copy primitive): one read and one write
/// per element, the memory bandwidth the elementwise ops are set against.
/// </summary>
internal sealed class DeviceCopyWorkload : DeviceWorkload
{
    private readonly Tensor _x, _y;

    public DeviceCopyWorkload(Device device, long length) : base(device)
    {
        _x = Uniform(new Shape(checked((int)length)), -1, 1);
        _y = Zeros(_x.Shape);
    }

    protected override void Call() => Device.Backend.Copy(_x, _y);
}

/// <summary>Row-wise softmax of an outer × length matrix.</summary>
internal sealed class DeviceSoftmaxWorkload : DeviceWorkload
{
    private readonly Tensor _x, _y;

    public DeviceSoftmaxWorkload(Device device, long outer, long length) : base(device)
    {
        _x = Uniform(new Shape(checked((int)outer), checked((int)length)), -4, 4);
        _y = Zeros(_x.Shape);
    }

    protected override void Call() => Device.Backend.Softmax(_x, 1, _y, log: false);
}

/// <summary>The sum of n floats in [-1, 1) through the tensor API (one scalar result per call).</summary>
internal sealed class DeviceSumWorkload : DeviceWorkload
{
    private readonly Tensor _x;

    public DeviceSumWorkload(Device device, long length) : base(device) => _x = Uniform(new Shape(checked((int)length)), -1, 1);

    protected override void Call()
    {
        using (Autograd.NoGrad())
        using (_x.Sum()) { }
    }
}
