using System.Numerics;

namespace Engine.Kernels.Gpu;

/// <summary>Argument checks of <see cref="GpuGemm"/>; every message names the op, the shape and the offending value.</summary>
internal static class GpuGemmArguments
{
    public static void Check<T>(GemmProblem<T> problem, int batch, GpuGemmAlgorithm algorithm) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"GpuGemm supports float and double, not {typeof(T).FullName}.");
        if (!Enum.IsDefined(algorithm))
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, $"GpuGemm: unknown algorithm {algorithm}.");
        if (batch < 0)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"GpuGemm: batch must not be negative: batch={batch}.");
        if (problem.M < 0 || problem.N < 0 || problem.K < 0)
            throw new ArgumentOutOfRangeException(problem.M < 0 ? "m" : problem.N < 0 ? "n" : "k",
                $"GpuGemm sizes must not be negative: {Shape(problem)}.");
        CheckNotNegative("aOffset", problem.AOffset, problem);
        CheckNotNegative("aRowStride", problem.ARowStride, problem);
        CheckNotNegative("aColStride", problem.AColStride, problem);
        CheckNotNegative("bOffset", problem.BOffset, problem);
        CheckNotNegative("bRowStride", problem.BRowStride, problem);
        CheckNotNegative("bColStride", problem.BColStride, problem);
        CheckNotNegative("cOffset", problem.COffset, problem);
        CheckNotNegative("ldc", problem.Ldc, problem);
    }

    /// <summary>Each operand the launch reads or writes lies inside its view.</summary>
    public static void CheckReach<T>(GemmProblem<T> problem, long aLength, long bLength, long cLength) where T : unmanaged, INumber<T>
    {
        if (problem.M == 0 || problem.N == 0) return;
        if (problem.K > 0)
        {
            CheckOperand("A", problem.AOffset, problem.M, problem.K, problem.ARowStride, problem.AColStride, aLength, problem);
            CheckOperand("B", problem.BOffset, problem.K, problem.N, problem.BRowStride, problem.BColStride, bLength, problem);
        }
        CheckOperand("C", problem.COffset, problem.M, problem.N, problem.Ldc, 1, cLength, problem);
    }

    public static void CheckOffsetCounts<T>(GemmProblem<T> problem, int batch, long aOffsets, long bOffsets, long cOffsets)
        where T : unmanaged, INumber<T>
    {
        CheckOffsetCount("aOffsets", aOffsets, batch, problem);
        CheckOffsetCount("bOffsets", bOffsets, batch, problem);
        CheckOffsetCount("cOffsets", cOffsets, batch, problem);
    }

    private static void CheckOperand<T>(string name, long offset, int rows, int columns, long rowStride, long columnStride,
        long length, GemmProblem<T> problem) where T : unmanaged, INumber<T>
    {
        long last = offset + (rows - 1) * rowStride + (columns - 1) * columnStride;
        if (last >= length)
            throw new ArgumentException(
                $"GpuGemm ({Shape(problem)}): {name} ({rows}×{columns}, offset {offset}, strides {rowStride}, {columnStride}) " +
                $"reaches element {last} but its view has {length} elements.", name.ToLowerInvariant());
    }

    private static void CheckNotNegative<T>(string name, long value, GemmProblem<T> problem) where T : unmanaged, INumber<T>
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"GpuGemm ({Shape(problem)}): {name} must not be negative, got {value}.");
    }

    private static void CheckOffsetCount<T>(string name, long length, int batch, GemmProblem<T> problem) where T : unmanaged, INumber<T>
    {
        if (length != batch)
            throw new ArgumentException(
                $"GpuGemm ({Shape(problem)}): {name} has {length} entries but batch is {batch}; it needs one per batch item.", name);
    }

    private static string Shape<T>(GemmProblem<T> problem) where T : unmanaged, INumber<T> =>
        $"m={problem.M}, n={problem.N}, k={problem.K}";
}
