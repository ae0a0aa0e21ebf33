using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>Allocates the buffers of a <see cref="CaseSpec"/> and returns its timed call.</summary>
internal static class WorkloadFactory
{
    public static IWorkload Create(CaseSpec spec) => (spec.Kind, spec.DType) switch
    {
        (CaseKind.Gemm, "float32") => new GemmWorkload<float>(spec.Gemm!.Value),
        (CaseKind.Gemm, "float64") => new GemmWorkload<double>(spec.Gemm!.Value),
        (CaseKind.Unary, "float32") => new UnaryWorkload(Enum.Parse<UnaryOp>(spec.Op!, ignoreCase: true), spec.Length),
        (CaseKind.Softmax, "float32") => new SoftmaxWorkload(spec.Outer, spec.Length),
        (CaseKind.Sum, "float32") => new SumWorkload(spec.Length),
        (CaseKind.MlpStep, "float32") => new MlpStepWorkload(spec.Layers!, (int)spec.Length),
        (CaseKind.Conv, "float32") => new ConvWorkload(spec.Conv!.Value),
        (CaseKind.CnnStep, "float32") => new CnnStepWorkload((int)spec.Length),
        (CaseKind.Epoch, "float32") => new EpochWorkload(spec.Op!),
        _ => throw new NotSupportedException($"No workload for {spec.Kind} {spec.DType}."),
    };
}
