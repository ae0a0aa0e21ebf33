using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Creates ILGPU contexts and accelerators the way the engine uses them: CUDA and OpenCL devices for real work,
/// and ILGPU's CPU accelerator simulating an NVIDIA GPU (warp 32, 1024 threads per group) for tests.
/// </summary>
public static class GpuAccelerators
{
    /// <summary>
    /// A context with every CUDA and OpenCL device ILGPU finds, plus the CPU simulator, with ILGPU.Algorithms
    /// enabled (the math intrinsics the kernels use).
    /// </summary>
    public static Context CreateContext() =>
        Context.Create(builder => builder.Cuda().OpenCL().CPU(CPUDeviceKind.Nvidia).EnableAlgorithms().Math(MathMode.Fast32BitOnly));

    /// <summary>
    /// A context holding only the CPU simulator of an NVIDIA GPU: what the tests run the kernels on when no GPU
    /// is present. It is slow; keep sizes small.
    /// </summary>
    public static Context CreateSimulatorContext() =>
        Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());

    /// <summary>The simulator accelerator of a context made by <see cref="CreateSimulatorContext"/>.</summary>
    /// <param name="context">The context.</param>
    public static Accelerator CreateSimulator(Context context) =>
        context.GetCPUDevice(0).CreateAccelerator(context);
}
