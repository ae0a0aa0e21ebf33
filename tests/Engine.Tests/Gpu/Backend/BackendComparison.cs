using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>ggml-style comparison of a tensor computed on the GPU with the same tensor computed on the CPU.</summary>
internal static class BackendComparison
{
    /// <summary>
    /// Floating tensors: the normalised squared error Σ(a−b)²/Σb² over finite values within 1e-6 (float32) or 1e-10
    /// (float64), non-finite values equal; other dtypes: exactly equal. Shapes and dtypes must match.
    /// </summary>
    public static void AssertMatches(Tensor cpu, Tensor gpu, string what)
    {
        Assert.True(cpu.Shape.Equals(gpu.Shape), $"{what}: GPU shape {gpu.Shape}, CPU shape {cpu.Shape}.");
        Assert.True(cpu.DType == gpu.DType, $"{what}: GPU dtype {gpu.DType}, CPU dtype {cpu.DType}.");
        var expected = cpu.ToDoubles();
        var actual = gpu.To(Device.Cpu).ToDoubles();
        if (!cpu.DType.IsFloating())
        {
            for (int i = 0; i < expected.Length; i++)
                Assert.True(expected[i] == actual[i], $"{what}: element {i} is {actual[i]} on the GPU, {expected[i]} on the CPU.");
            return;
        }
        double bound = cpu.DType == DType.Float32 ? 1e-6 : 1e-10, num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!double.IsFinite(e) || !double.IsFinite(a))
            {
                Assert.True(e.Equals(a), $"{what}: element {i} is {a} on the GPU, {e} on the CPU.");
                continue;
            }
            num += (a - e) * (a - e);
            den += e * e;
        }
        double error = den == 0 ? num : num / den;
        Assert.True(error <= bound, $"{what}: normalised error {error:E3} between GPU and CPU exceeds {bound:E0}.");
    }
}
