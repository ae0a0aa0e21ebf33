using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// Allocates the buffers of a <see cref="CaseSpec"/> on a target and returns its timed call. On the CPU the GEMM,
/// unary, softmax and sum cases call the kernels directly; on a GPU they go through the device's backend primitives.
/// </summary>
internal static class WorkloadFactory
{
    /// <summary>Why a case does not run on a target, or null when it does.</summary>
    public static string? SkipReason(CaseSpec spec, BenchTarget target) => spec switch
    {
        { GpuOnly: true } when !target.IsGpu => "GPU-only size (the CPU would take minutes per call)",
        { Kind: CaseKind.Epoch } when target.Device.Kind == DeviceKind.Simulator => "an epoch takes hours on the simulator",
        { DType: "float64" } when target.IsGpu && spec.Kind != CaseKind.Gemm => "float64 is measured for GEMM only",
        _ => null,
    };

    public static IWorkload Create(CaseSpec spec, BenchTarget target) => target.IsGpu ? CreateOnDevice(spec, target.Device) : CreateOnCpu(spec);

    private static IWorkload CreateOnCpu(CaseSpec spec) => (spec.Kind, spec.DType) switch
    {
        (CaseKind.Gemm, "float32") => new GemmWorkload<float>(spec.Gemm!.Value),
        (CaseKind.Gemm, "float64") => new GemmWorkload<double>(spec.Gemm!.Value),
        (CaseKind.Unary, "float32") => new UnaryWorkload(UnaryOpOf(spec), spec.Length),
        (CaseKind.Softmax, "float32") => new SoftmaxWorkload(spec.Outer, spec.Length),
        (CaseKind.Sum, "float32") => new SumWorkload(spec.Length),
        _ => CreateOnDevice(spec, Device.Cpu),
    };

    private static IWorkload CreateOnDevice(CaseSpec spec, Device device) => (spec.Kind, spec.DType) switch
    {
        (CaseKind.Gemm, "float32") => new DeviceGemmWorkload(device, spec.Gemm!.Value, DType.Float32, spec.GemmAlgorithm),
        (CaseKind.Gemm, "float64") => new DeviceGemmWorkload(device, spec.Gemm!.Value, DType.Float64, spec.GemmAlgorithm),
        (CaseKind.Unary, "float32") => new DeviceUnaryWorkload(device, UnaryOpOf(spec), spec.Length),
        (CaseKind.Copy, "float32") => new DeviceCopyWorkload(device, spec.Length),
        (CaseKind.Softmax, "float32") => new DeviceSoftmaxWorkload(device, spec.Outer, spec.Length),
        (CaseKind.Sum, "float32") => new DeviceSumWorkload(device, spec.Length),
        (CaseKind.MlpStep, "float32") => new MlpStepWorkload(spec.Layers!, (int)spec.Length, device),
        (CaseKind.Conv, "float32") => new ConvWorkload(spec.Conv!.Value, device),
        (CaseKind.CnnStep, "float32") => new CnnStepWorkload((int)spec.Length, device),
        (CaseKind.Epoch, "float32") => new EpochWorkload(spec.Op!, device),
        _ => throw new NotSupportedException($"No workload for {spec.Kind} {spec.DType} on {device}."),
    };

    private static UnaryOp UnaryOpOf(CaseSpec spec) => Enum.Parse<UnaryOp>(spec.Op!, ignoreCase: true);
}
