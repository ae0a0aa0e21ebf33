using Engine.Kernels.Gpu;

namespace Engine.Bench;

/// <summary>Every shape the benchmarks measure, shared by the BenchmarkDotNet suites and the quick mode.</summary>
internal static class CaseCatalog
{
    public static readonly int[] SquareSizes = [128, 256, 512, 1024, 2048];

    /// <summary>
    /// Square SGEMM sizes only GPUs run (the GPU issue's 8192 target against cuBLAS): sgemm-N with the default
    /// (blocked) kernel, sgemm-N-tiled with the older 64×64 tiled kernel to compare.
    /// </summary>
    public static readonly int[] GpuSquareSizes = [4096, 8192];

    /// <summary>m×k×n of a 784-512-512-10 MLP at batch 128.</summary>
    public static readonly GemmShape[] MlpShapes = [new(128, 784, 512), new(128, 512, 512), new(128, 512, 10)];

    /// <summary>A read through swapped strides: compare with the plain 512³ case.</summary>
    public static readonly GemmShape TransposedShape = new(512, 512, 512, TransposeA: true);

    public static readonly string[] UnaryOps = ["exp", "sigmoid", "tanh", "gelu", "relu"];

    /// <summary>2^20 floats (4 MiB, cache-resident) and 2^24 floats (64 MiB, memory-bound).</summary>
    public static readonly long[] ElementwiseLengths = [1L << 20, 1L << 24];

    public const long SoftmaxRows = 4096;
    public const long SoftmaxRowLength = 256;
    public const long SumLength = 1L << 24;

    /// <summary>The MLP of <see cref="MlpShapes"/> as layer widths, for the whole training step.</summary>
    public static readonly int[] MlpLayers = [784, 512, 512, 10];
    public const int MlpBatch = 128;

    /// <summary>The convolution layers of the convolution issue's table (batch 32 forward; PyTorch 1.13 measured 6.7, 142 and 0.43 ms).</summary>
    public static readonly (string Name, ConvShape Shape)[] ConvShapes =
    [
        ("conv-3-32-32px", new ConvShape(32, 3, 32, 3, 32, 32, 1)),
        ("conv-64-64-56px", new ConvShape(32, 64, 64, 3, 56, 56, 1)),
        ("conv-1-32-28px", new ConvShape(32, 1, 32, 3, 28, 28, 0)),
    ];

    public static IEnumerable<GemmShape> GemmShapes =>
        SquareSizes.Select(s => new GemmShape(s, s, s)).Concat(MlpShapes).Append(TransposedShape);

    public static IReadOnlyList<CaseSpec> All() =>
    [
        .. GemmCases("sgemm", "float32"),
        .. GpuSquareSizes.Select(s => new CaseSpec($"sgemm-{s}", CaseKind.Gemm, "float32") { Gemm = new GemmShape(s, s, s), GpuOnly = true }),
        .. GpuSquareSizes.Select(s => new CaseSpec($"sgemm-{s}-tiled", CaseKind.Gemm, "float32")
            { Gemm = new GemmShape(s, s, s), GpuOnly = true, GemmAlgorithm = GpuGemmAlgorithm.Tiled }),
        .. GemmCases("dgemm", "float64"),
        .. ElementwiseLengths.Select(length => new CaseSpec($"copy-{length >> 20}M", CaseKind.Copy, "float32") { Length = length }),
        .. UnaryCases(),
        new CaseSpec($"softmax-{SoftmaxRows}x{SoftmaxRowLength}", CaseKind.Softmax, "float32")
            { Outer = SoftmaxRows, Length = SoftmaxRowLength },
        new CaseSpec("sum-16M", CaseKind.Sum, "float32") { Length = SumLength },
        new CaseSpec("mlp-step", CaseKind.MlpStep, "float32") { Layers = MlpLayers, Length = MlpBatch },
        .. ConvShapes.Select(c => new CaseSpec(c.Name, CaseKind.Conv, "float32") { Conv = c.Shape }),
        new CaseSpec("cnn-step", CaseKind.CnnStep, "float32") { Length = 64 },
        new CaseSpec("epoch-mnist-cnn", CaseKind.Epoch, "float32") { Op = "cnn", Length = 8000 },
        new CaseSpec("epoch-mnist-mlp", CaseKind.Epoch, "float32") { Op = "mlp", Length = 8000 },
    ];

    private static IEnumerable<CaseSpec> UnaryCases() =>
        from op in UnaryOps
        from length in ElementwiseLengths
        select new CaseSpec($"{op}-{length >> 20}M", CaseKind.Unary, "float32") { Op = op, Length = length };

    private static IEnumerable<CaseSpec> GemmCases(string prefix, string dtype) =>
        GemmShapes.Select(shape => new CaseSpec(GemmCaseName(prefix, shape), CaseKind.Gemm, dtype) { Gemm = shape });

    private static string GemmCaseName(string prefix, GemmShape shape) =>
        shape.M == shape.K && shape.K == shape.N ? $"{prefix}-{shape.M}{(shape.TransposeA ? "-At" : "")}" : $"{prefix}-{shape}";
}
