using System.Runtime.InteropServices;
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
    /// A context holding only the CPU simulator of an NVIDIA GPU: what the tests run the kernels on when no GPU
    /// is present. It is slow; keep sizes small.
    /// </summary>
    public static Context CreateSimulatorContext() =>
        Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());

    /// <summary>The simulator accelerator of a context made by <see cref="CreateSimulatorContext"/>.</summary>
    /// <param name="context">The context.</param>
    public static Accelerator CreateSimulator(Context context) =>
        context.GetCPUDevice(0).CreateAccelerator(context);

    /// <summary>
    /// A context holding only the devices of one kind, with ILGPU.Algorithms enabled and full-precision math
    /// (so double kernels really compute in double): <see cref="AcceleratorType.CPU"/> is the NVIDIA-like
    /// simulator, <see cref="AcceleratorType.OpenCL"/> every OpenCL device ILGPU can use (it needs the OpenCL
    /// generic address space), <see cref="AcceleratorType.Cuda"/> every CUDA device.
    /// </summary>
    /// <param name="kind">The kind of device.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kind is not CPU, OpenCL or Cuda.</exception>
    public static Context CreateContext(AcceleratorType kind) => kind switch
    {
        AcceleratorType.CPU => CreateSimulatorContext(),
        AcceleratorType.OpenCL => Context.Create(builder => builder.OpenCL().EnableAlgorithms()),
        AcceleratorType.Cuda => Context.Create(builder => builder.Cuda().EnableAlgorithms()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind,
            $"GpuAccelerators.CreateContext: unknown device kind {kind}; expected CPU, OpenCL or Cuda."),
    };

    /// <summary>
    /// The accelerator of the <paramref name="index"/>-th device of one kind in a context (for
    /// <see cref="AcceleratorType.CPU"/>, the simulator).
    /// </summary>
    /// <param name="context">A context, e.g. from <see cref="CreateContext(AcceleratorType)"/>.</param>
    /// <param name="kind">The kind of device.</param>
    /// <param name="index">Which device of that kind, from 0.</param>
    /// <exception cref="InvalidOperationException">
    /// The context has no such device; the message says what is missing (the driver library, or a device
    /// ILGPU can use, listing the devices that were found but refused).
    /// </exception>
    public static Accelerator CreateAccelerator(Context context, AcceleratorType kind, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        var devices = context.Devices.Where(device => device.AcceleratorType == kind).ToArray();
        if (index < 0 || index >= devices.Length)
            throw new InvalidOperationException(
                $"GpuAccelerators.CreateAccelerator: no {kind} device #{index} ({devices.Length} found). {WhatIsMissing(kind)}");
        return devices[index].CreateAccelerator(context);
    }

    /// <summary>Why ILGPU may find no device of a kind: the driver library or a usable device.</summary>
    private static string WhatIsMissing(AcceleratorType kind) => kind switch
    {
        AcceleratorType.OpenCL => WhatOpenClIsMissing(),
        AcceleratorType.Cuda => LibraryLoads("libcuda.so") || LibraryLoads("libcuda.so.1") || LibraryLoads("nvcuda")
            ? "The CUDA driver loads but reports no device ILGPU supports."
            : "The CUDA driver library (libcuda.so / nvcuda.dll) was not found: install the NVIDIA driver.",
        _ => "",
    };

    private static string WhatOpenClIsMissing()
    {
        // ILGPU loads the unversioned libOpenCL.so (on Debian: ocl-icd-opencl-dev); with only libOpenCL.so.1 it
        // silently sees no OpenCL platform at all.
        if (!LibraryLoads("libOpenCL.so") && !LibraryLoads("OpenCL"))
            return "The OpenCL loader library libOpenCL.so (not only libOpenCL.so.1) was not found: install an ICD loader "
                + "with its unversioned symlink (Debian: ocl-icd-opencl-dev) and a driver (e.g. pocl-opencl-icd, PoCL >= 4).";
        using var all = Context.Create(builder => builder.OpenCL(_ => true));
        var seen = all.Devices.OfType<CLDevice>()
            .Select(device => $"'{device.Name}' ({device.DeviceVersion}, generic address space: "
                + $"{(device.Capabilities.GenericAddressSpace ? "yes" : "no")})")
            .ToArray();
        if (seen.Length == 0)
            return "libOpenCL.so loads but lists no OpenCL device: install a driver (ICD), e.g. pocl-opencl-icd (PoCL >= 4).";
        using var usable = Context.Create(builder => builder.OpenCL());
        return usable.Devices.Length > 0
            ? $"This context holds too few of the {usable.Devices.Length} usable OpenCL devices (make it with "
                + "GpuAccelerators.CreateContext(AcceleratorType.OpenCL))."
            : "ILGPU refuses every OpenCL device it sees; it needs OpenCL 2.0+ with the generic address space "
                + $"(PoCL 3.1 lacks it, PoCL 6 has it). Devices seen: {string.Join(", ", seen)}.";
    }

    private static bool LibraryLoads(string name)
    {
        if (!NativeLibrary.TryLoad(name, out var handle))
            return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
