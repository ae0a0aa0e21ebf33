using System.Text.Json.Serialization;

namespace Engine.Bench;

/// <summary>
/// What one quick-mode case computes: serialised as is (camelCase) to compare.py, which times the same
/// thing with NumPy and PyTorch. <see cref="DType"/> is "float32" or "float64".
/// </summary>
internal sealed record CaseSpec(string Name, CaseKind Kind, [property: JsonPropertyName("dtype")] string DType)
{
    /// <summary>The GEMM shape (GEMM cases only).</summary>
    public GemmShape? Gemm { get; init; }

    /// <summary>The unary op, lower case as in <c>UnaryOp</c> (unary cases only).</summary>
    public string? Op { get; init; }

    /// <summary>Independent rows (softmax) or 1.</summary>
    public long Outer { get; init; } = 1;

    /// <summary>Elements per row (softmax) or in total (unary, sum).</summary>
    public long Length { get; init; }

    public bool IsGemm => Kind == CaseKind.Gemm;

    /// <summary>Floating-point operations (GEMM) or elements processed (all others) per call.</summary>
    public double Work => Gemm is { } shape ? shape.Flops : (double)Outer * Length;

    public string Shape => Kind switch
    {
        CaseKind.Gemm => Gemm.ToString() ?? "",
        CaseKind.Softmax => $"{Outer}x{Length}",
        _ => PowerOfTwoText(Length),
    };

    private static string PowerOfTwoText(long value) =>
        long.IsPow2(value) ? $"2^{long.Log2(value)}" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
