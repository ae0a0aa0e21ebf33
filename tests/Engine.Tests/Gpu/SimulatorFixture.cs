using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>One ILGPU CPU-simulator accelerator (NVIDIA-like: warp 32, 1024 threads per group) shared by the GPU kernel tests.</summary>
public sealed class SimulatorFixture : IDisposable
{
    private readonly Context _context = GpuAccelerators.CreateSimulatorContext();

    /// <summary>Creates the accelerator.</summary>
    public SimulatorFixture() => Accelerator = GpuAccelerators.CreateSimulator(_context);

    /// <summary>The simulator.</summary>
    public Accelerator Accelerator { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary>The GPU kernel tests share one simulator and run one at a time (the simulator uses every core).</summary>
[CollectionDefinition(nameof(GpuSimulator))]
public sealed class GpuSimulator : ICollectionFixture<SimulatorFixture>;
