using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// The GPU device the backend tests run on, chosen by the environment variable <c>ENGINE_TEST_GPU</c>:
/// <c>simulator</c> (the default: ILGPU's CPU simulator of an NVIDIA GPU), <c>opencl</c> or <c>cuda</c> (the first
/// such device). Asking for a real device that is not there fails every test with the device's own message rather
/// than quietly testing something else.
/// </summary>
internal static class GpuTestDevice
{
    private static readonly Lazy<Device> Chosen = new(() =>
        (Environment.GetEnvironmentVariable("ENGINE_TEST_GPU") ?? "simulator").ToLowerInvariant() switch
        {
            "opencl" => Device.OpenCL(0),
            "cuda" => Device.Cuda(0),
            "simulator" or "" => Device.GpuSimulator,
            var other => throw new InvalidOperationException($"ENGINE_TEST_GPU={other}: expected simulator, opencl or cuda."),
        });

    /// <summary>The device.</summary>
    public static Device Device => Chosen.Value;

    /// <summary>True when the tests run on ILGPU's slow CPU simulator (sizes are kept small there).</summary>
    public static bool IsSimulator => Device.Kind == DeviceKind.Simulator;
}
