using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The one accelerator the GPU kernel tests share, chosen by the environment variable <c>ENGINE_TEST_GPU</c>:
/// <c>simulator</c> (the default: ILGPU's CPU accelerator simulating an NVIDIA GPU, warp 32, 1024 threads per
/// group), <c>opencl</c> (the first OpenCL device ILGPU can use) or <c>cuda</c> (the first CUDA device). When a
/// real device is asked for and none is found, creating the fixture throws, so every GPU test fails instead of
/// quietly running on the simulator.
/// </summary>
public sealed class SimulatorFixture : IDisposable
{
    /// <summary>The environment variable that chooses the accelerator.</summary>
    public const string Variable = "ENGINE_TEST_GPU";

    private readonly Context _context;

    /// <summary>Creates the accelerator <c>ENGINE_TEST_GPU</c> asks for.</summary>
    public SimulatorFixture()
    {
        Requested = RequestedKind();
        _context = GpuAccelerators.CreateContext(Requested);
        try
        {
            Accelerator = GpuAccelerators.CreateAccelerator(_context, Requested);
        }
        catch (InvalidOperationException error)
        {
            _context.Dispose();
            throw new InvalidOperationException($"{Variable}={Environment.GetEnvironmentVariable(Variable)}: {error.Message}", error);
        }
    }

    /// <summary>The kind of device <c>ENGINE_TEST_GPU</c> asks for (<see cref="AcceleratorType.CPU"/>: the simulator).</summary>
    public AcceleratorType Requested { get; }

    /// <summary>The accelerator (the simulator unless <c>ENGINE_TEST_GPU</c> says otherwise).</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Whether the accelerator is ILGPU's CPU simulator.</summary>
    public bool IsSimulator => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>The device kind named by <c>ENGINE_TEST_GPU</c> (unset or empty: the simulator).</summary>
    /// <exception cref="InvalidOperationException">The variable names no known device kind.</exception>
    public static AcceleratorType RequestedKind()
    {
        string value = Environment.GetEnvironmentVariable(Variable)?.Trim() ?? "";
        return value.ToLowerInvariant() switch
        {
            "" or "simulator" => AcceleratorType.CPU,
            "opencl" => AcceleratorType.OpenCL,
            "cuda" => AcceleratorType.Cuda,
            _ => throw new InvalidOperationException(
                $"{Variable}='{value}' is not a GPU test device; use simulator (the default), opencl or cuda."),
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary>The GPU kernel tests share one accelerator and run one at a time (the simulator uses every core).</summary>
[CollectionDefinition(nameof(GpuSimulator))]
public sealed class GpuSimulator : ICollectionFixture<SimulatorFixture>;
