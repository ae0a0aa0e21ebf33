namespace Engine.Bench;

/// <summary>
/// C (m×n) = A (m×k) · B (k×n). With <see cref="TransposeA"/>, A is stored k×m row-major and read
/// through swapped strides (the transposed-operand case).
/// </summary>
public readonly record struct GemmShape(int M, int K, int N, bool TransposeA = false)
{
    public double Flops => 2.0 * M * K * N;

    public override string ToString() => TransposeA ? $"{M}x{K}x{N}-At" : $"{M}x{K}x{N}";
}
