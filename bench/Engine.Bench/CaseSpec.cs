using System.Text.Json.Serialization;
using Engine.Kernels.Gpu;

namespace Engine.Bench;

/// <summary>
/// What one quick-mode case computes: serialised as is (camelCase) to compare.py, which times the same
/// thing with NumPy and PyTorch. <see cref="DType"/> is "float32" or "float64".
/// </summary>
internal sealed record CaseSpec(string Name, CaseKind Kind, [property: JsonPropertyName("dtype")] string DType)
{
    /// <summary>The GEMM shape (GEMM cases only).</summary>
    public GemmShape? Gemm { get; init; }

    /// <summary>The convolution (convolution cases only).</summary>
    public ConvShape? Conv { get; init; }

    /// <summary>The unary op, lower case as in <c>UnaryOp</c> (unary cases only).</summary>
    public string? Op { get; init; }

    /// <summary>Layer widths, input first (MLP training-step cases only); <see cref="Length"/> is the batch.</summary>
    public int[]? Layers { get; init; }

    /// <summary>Independent rows (softmax) or 1.</summary>
    public long Outer { get; init; } = 1;

    /// <summary>Elements per row (softmax) or in total (unary, sum).</summary>
    public long Length { get; init; }

    /// <summary>The GPU GEMM kernel to launch instead of the backend's default (GPU GEMM cases comparing kernels), else null.</summary>
    public GpuGemmAlgorithm? GemmAlgorithm { get; init; }

    /// <summary>True for cases only a GPU runs (GEMMs the CPU would take minutes over).</summary>
    public bool GpuOnly { get; init; }

    public bool IsGemm => Kind == CaseKind.Gemm;

    /// <summary>
    /// Bytes of memory traffic per call for the memory-bound cases (one read and one write of each float32 element for
    /// unary, copy and softmax; one read for sum), so their GB/s can be set against the copy bandwidth; else null.
    /// </summary>
    public double? Bytes => Kind switch
    {
        CaseKind.Unary or CaseKind.Copy or CaseKind.Softmax => 2.0 * sizeof(float) * Outer * Length,
        CaseKind.Sum => (double)sizeof(float) * Outer * Length,
        _ => null,
    };

    /// <summary>True when <see cref="Work"/> counts floating-point operations (GEMM and training steps).</summary>
    public bool CountsFlops => Kind is CaseKind.Gemm or CaseKind.MlpStep or CaseKind.Conv or CaseKind.CnnStep;

    /// <summary>Floating-point operations (GEMM, and the matrix products of a training step) or elements processed (all others) per call.</summary>
    public double Work => Kind switch
    {
        CaseKind.Gemm => Gemm!.Value.Flops,
        CaseKind.MlpStep => MlpStepFlops(Layers!, Length),
        CaseKind.Conv => Conv!.Value.Flops,
        CaseKind.CnnStep => CnnStepWorkload.Flops((int)Length),
        _ => (double)Outer * Length,
    };

    public string Shape => Kind switch
    {
        CaseKind.Gemm => Gemm.ToString() ?? "",
        CaseKind.Softmax => $"{Outer}x{Length}",
        CaseKind.MlpStep => $"{string.Join("-", Layers!)} b{Length}",
        CaseKind.Conv => Conv.ToString() ?? "",
        CaseKind.CnnStep => $"mnist cnn b{Length}",
        CaseKind.Epoch => $"mnist {Op} 8000 b128",
        _ => PowerOfTwoText(Length),
    };

    /// <summary>Forward 2·b·in·out per layer, backward twice that (weights and inputs), less the first layer's input gradient.</summary>
    private static double MlpStepFlops(int[] layers, long batch)
    {
        double forward = 0;
        for (int i = 0; i + 1 < layers.Length; i++) forward += 2.0 * batch * layers[i] * layers[i + 1];
        return 3 * forward - 2.0 * batch * layers[0] * layers[1];
    }

    private static string PowerOfTwoText(long value) =>
        long.IsPow2(value) ? $"2^{long.Log2(value)}" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
