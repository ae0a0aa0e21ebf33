namespace Engine.Bench;

/// <summary>The kernel family a benchmark case exercises.</summary>
public enum CaseKind
{
    Gemm,
    Unary,
    Copy,
    Softmax,
    Sum,
    MlpStep,
    Conv,
    CnnStep,
    Epoch,
}
