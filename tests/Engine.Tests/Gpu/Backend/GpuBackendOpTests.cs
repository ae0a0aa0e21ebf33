using Engine.Autodiff;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// The op suite run on the GPU backend against the CPU backend, ggml-style: every op of the tensor API, on random
/// small shapes with odd sizes, in float32 and float64; its result and the gradients it sends to each floating input
/// (of a random weighting of the output) must match the CPU's within a normalised error bound.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuBackendOpTests
{
    /// <summary>One op: how to make its CPU inputs from a generator and a dtype, and what to compute.</summary>
    private sealed record OpCase(string Name, Func<Generator, DType, Tensor[]> Inputs, Func<Tensor[], Tensor> Op);

    private static Tensor R(Generator g, DType dt, params int[] shape) => Tensor.Uniform(new Shape(shape), -2, 2, dt, g);
    private static Tensor Positive(Generator g, DType dt, params int[] shape) => Tensor.Uniform(new Shape(shape), 0.2, 3, dt, g);
    private static Tensor Indices(Generator g, int below, params int[] shape) =>
        (Tensor.Rand(new Shape(shape), DType.Float64, g) * below).Clamp(0, below - 1).To(DType.Int32);

    private static readonly OpCase[] Cases =
    [
        // elementwise unary
        new("neg", (g, d) => [R(g, d, 3, 5, 7)], x => -x[0]),
        new("abs", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Abs()),
        new("sqrt", (g, d) => [Positive(g, d, 3, 5, 7)], x => x[0].Sqrt()),
        new("square", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Square()),
        new("reciprocal", (g, d) => [Positive(g, d, 3, 5, 7)], x => x[0].Reciprocal()),
        new("exp", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Exp()),
        new("log", (g, d) => [Positive(g, d, 3, 5, 7)], x => x[0].Log()),
        new("tanh", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Tanh()),
        new("sigmoid", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Sigmoid()),
        new("relu", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Relu()),
        new("leaky-relu", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].LeakyRelu(0.1)),
        new("elu", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Elu(0.7)),
        new("gelu", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Gelu()),
        new("gelu-tanh", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Gelu(approximate: true)),
        new("softplus", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Softplus()),
        new("silu", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Silu()),
        new("clamp", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Clamp(-0.5, 0.7)),
        new("pow-scalar", (g, d) => [Positive(g, d, 3, 5, 7)], x => x[0].Pow(1.7)),
        new("sign", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Sign()),
        new("unary-of-transposed-view", (g, d) => [R(g, d, 5, 7)], x => x[0].Transpose(0, 1).Tanh()),
        // binary with broadcasting, scalars on either side
        new("add-broadcast", (g, d) => [R(g, d, 3, 1, 7), R(g, d, 5, 1)], x => x[0] + x[1]),
        new("sub-scalar", (g, d) => [R(g, d, 4, 9)], x => 1.5 - x[0]),
        new("mul-broadcast", (g, d) => [R(g, d, 2, 3, 5), R(g, d, 5)], x => x[0] * x[1]),
        new("div", (g, d) => [R(g, d, 3, 5), Positive(g, d, 3, 5)], x => x[0] / x[1]),
        new("pow", (g, d) => [Positive(g, d, 3, 5), R(g, d, 3, 5)], x => x[0].Pow(x[1])),
        new("maximum", (g, d) => [R(g, d, 3, 5), R(g, d, 1, 5)], x => Tensor.Maximum(x[0], x[1])),
        new("minimum", (g, d) => [R(g, d, 3, 5), R(g, d, 3, 1)], x => Tensor.Minimum(x[0], x[1])),
        new("binary-strided-views", (g, d) => [R(g, d, 6, 8), R(g, d, 8, 6)], x => x[0].Slice(1, 1, 8, 2) + x[1].Transpose(0, 1).Slice(1, 0, 7, 2)),
        new("int-arithmetic", (g, d) => [Indices(g, 9, 4, 6), Indices(g, 5, 4, 6)], x => (x[0] * x[1] - x[0] + 3)),
        // comparisons and where
        new("compare-lt", (g, d) => [R(g, d, 3, 5), R(g, d, 5)], x => x[0].Lt(x[1])),
        new("compare-ge-scalar", (g, d) => [R(g, d, 3, 5)], x => x[0].Ge(0.25)),
        new("compare-int-eq", (g, d) => [Indices(g, 3, 4, 5), Indices(g, 3, 4, 5)], x => x[0].Eq(x[1])),
        new("where", (g, d) => [R(g, d, 3, 5), R(g, d, 3, 5), R(g, d, 5)], x => Tensor.Where(x[0].Gt(0), x[1], x[2])),
        new("where-int", (g, d) => [R(g, d, 3, 5), Indices(g, 7, 3, 5)], x => Tensor.Where(x[0].Gt(0), x[1], x[1] * 2)),
        // reductions
        new("sum-all", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Sum()),
        new("sum-axis-keep", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Sum(1, keepDims: true)),
        new("mean-axes", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Mean([0, 2])),
        new("max-axis", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Max(2)),
        new("min-axis", (g, d) => [R(g, d, 3, 5, 7)], x => x[0].Min(0)),
        new("var", (g, d) => [R(g, d, 4, 9)], x => x[0].Var(1)),
        new("std", (g, d) => [R(g, d, 4, 9)], x => x[0].Std(0)),
        new("logsumexp", (g, d) => [R(g, d, 4, 9)], x => x[0].LogSumExp(1)),
        new("argmax", (g, d) => [R(g, d, 4, 9)], x => x[0].ArgMax(1)),
        new("argmin", (g, d) => [R(g, d, 4, 9)], x => x[0].ArgMin(0)),
        new("sum-int", (g, d) => [Indices(g, 100, 4, 9)], x => x[0].Sum(1)),
        new("softmax", (g, d) => [R(g, d, 3, 4, 9)], x => x[0].Softmax(-1)),
        new("softmax-middle-axis", (g, d) => [R(g, d, 3, 4, 9)], x => x[0].Softmax(1)),
        new("log-softmax", (g, d) => [R(g, d, 5, 11)], x => x[0].LogSoftmax()),
        // linear algebra
        new("matmul", (g, d) => [R(g, d, 13, 17), R(g, d, 17, 9)], x => x[0].MatMul(x[1])),
        new("matmul-transposed", (g, d) => [R(g, d, 17, 13), R(g, d, 9, 17)], x => x[0].Transpose(0, 1).MatMul(x[1].Transpose(0, 1))),
        new("matmul-batched-broadcast", (g, d) => [R(g, d, 3, 1, 5, 7), R(g, d, 4, 7, 6)], x => x[0].MatMul(x[1])),
        new("matmul-vector", (g, d) => [R(g, d, 7), R(g, d, 7, 5)], x => x[0].MatMul(x[1])),
        new("attention-causal", (g, d) => [R(g, d, 2, 3, 5, 4), R(g, d, 2, 3, 5, 4), R(g, d, 2, 3, 5, 3)],
            x => x[0].ScaledDotProductAttention(x[1], x[2], causal: true)),
        new("attention-mask-broadcast", (g, d) => [R(g, d, 2, 4, 3), R(g, d, 1, 6, 3), R(g, d, 1, 6, 5), R(g, d, 2, 1, 6)],
            x => x[0].ScaledDotProductAttention(x[1], x[2], mask: x[3].Gt(-1))),
        new("attention-additive-mask-over-heads", (g, d) => [R(g, d, 2, 2, 5, 3), R(g, d, 2, 2, 7, 3), R(g, d, 2, 2, 7, 4), R(g, d, 2, 1, 5, 7)],
            x => x[0].ScaledDotProductAttention(x[1], x[2], mask: x[3].Detach())),
        new("attention-fully-masked-rows", (g, d) => [R(g, d, 2, 6, 3), R(g, d, 2, 5, 3), R(g, d, 2, 5, 2), R(g, d, 6, 1)],
            x => x[0].ScaledDotProductAttention(x[1], x[2], mask: x[3].Gt(0), causal: true)),
        // views, joining, indexing
        new("permute-contiguous", (g, d) => [R(g, d, 2, 3, 4, 5)], x => x[0].Permute(3, 1, 0, 2).Contiguous()),
        new("slice-step", (g, d) => [R(g, d, 9, 7)], x => x[0].Slice(0, 1, 9, 3).Contiguous()),
        new("expand", (g, d) => [R(g, d, 3, 1)], x => x[0].Expand(3, 6).Contiguous()),
        new("concat", (g, d) => [R(g, d, 2, 5), R(g, d, 3, 5)], x => Tensor.Concat([x[0], x[1]], 0)),
        new("stack", (g, d) => [R(g, d, 2, 5), R(g, d, 2, 5)], x => Tensor.Stack([x[0], x[1]], 1)),
        new("split", (g, d) => [R(g, d, 7, 4)], x => x[0].Split([2, 5], 0)[1] * 2),
        new("pad", (g, d) => [R(g, d, 2, 3, 4)], x => x[0].Pad([1, 2, 0, 1], 0.5)),
        new("gather", (g, d) => [R(g, d, 4, 9), Indices(g, 9, 4, 5)], x => x[0].Gather(1, x[1])),
        new("index-select-repeats", (g, d) => [R(g, d, 6, 5), Indices(g, 6, 8)], x => x[0].IndexSelect(0, x[1])),
        new("take-along-axis", (g, d) => [R(g, d, 5, 4), Indices(g, 5, 3, 4)], x => x[0].TakeAlongAxis(x[1], 0)),
        new("scatter-add", (g, d) => [R(g, d, 4, 6), Indices(g, 6, 4, 9), R(g, d, 4, 9)], x => x[0].ScatterAdd(1, x[1], x[2])),
        new("one-hot", (g, d) => [Indices(g, 7, 9)], x => x[0].OneHot(7)),
        new("to-dtype", (g, d) => [R(g, d, 4, 5)], x => x[0].To(d2(x[0].DType)).To(DType.Int32)),
        // convolution, pooling, normalisation
        new("conv2d", (g, d) => [R(g, d, 2, 3, 7, 6), R(g, d, 4, 3, 3, 3), R(g, d, 4)], x => x[0].Conv2d(x[1], x[2], padding: 1)),
        new("conv2d-stride-dilation-groups", (g, d) => [R(g, d, 2, 4, 9, 8), R(g, d, 6, 2, 3, 2), R(g, d, 6)],
            x => x[0].Conv2d(x[1], x[2], stride: (2, 1), padding: (1, 0), dilation: (2, 1), groups: 2)),
        new("conv1d", (g, d) => [R(g, d, 2, 3, 11), R(g, d, 5, 3, 3)], x => x[0].Conv1d(x[1], stride: 2, padding: 1)),
        new("conv-transpose2d", (g, d) => [R(g, d, 2, 3, 4, 5), R(g, d, 3, 2, 3, 3), R(g, d, 2)], x => x[0].ConvTranspose2d(x[1], x[2], stride: (2, 2), padding: 1)),
        new("max-pool2d", (g, d) => [R(g, d, 2, 3, 7, 6)], x => x[0].MaxPool2d(2)),
        new("max-pool2d-overlap-pad", (g, d) => [R(g, d, 2, 2, 7, 7)], x => x[0].MaxPool2d(3, 2, 1)),
        new("avg-pool2d", (g, d) => [R(g, d, 2, 3, 7, 6)], x => x[0].AvgPool2d(3, 2, 1, countIncludePad: false)),
        new("global-avg-pool", (g, d) => [R(g, d, 2, 3, 5, 4)], x => x[0].GlobalAvgPool()),
        new("upsample-nearest", (g, d) => [R(g, d, 2, 2, 3, 4)], x => x[0].Upsample2d(2)),
        new("upsample-bilinear", (g, d) => [R(g, d, 2, 2, 3, 4)], x => x[0].Upsample2d((2, 3), UpsampleMode.Bilinear)),
        new("batch-norm-training", (g, d) => [R(g, d, 4, 3, 5, 2), R(g, d, 3), R(g, d, 3)], x => x[0].BatchNorm(null, null, x[1], x[2], training: true)),
        new("batch-norm-eval", (g, d) => [R(g, d, 4, 3, 5), Positive(g, d, 3), R(g, d, 3)], x => x[0].BatchNorm(x[2].Detach(), x[1].Detach(), x[1], x[2], training: false)),
        new("layer-norm", (g, d) => [R(g, d, 4, 3, 5), R(g, d, 3, 5), R(g, d, 3, 5)], x => x[0].LayerNorm(2, x[1], x[2])),
        new("dropout-seeded", (g, d) => [R(g, d, 6, 7)], x => x[0].Dropout(0.4, training: true, new Generator(5))),
        // fused losses
        new("cross-entropy-labels", (g, d) => [R(g, d, 6, 5), Indices(g, 5, 6)], x => Losses.CrossEntropy(x[0], x[1])),
        new("cross-entropy-probabilities", (g, d) => [R(g, d, 6, 5), R(g, d, 6, 5)], x => Losses.CrossEntropy(x[0], x[1].Softmax(-1).Detach())),
        new("bce-with-logits", (g, d) => [R(g, d, 6, 3), R(g, d, 6, 3)], x => Losses.BinaryCrossEntropyWithLogits(x[0], x[1].Sigmoid().Detach())),
        new("bce", (g, d) => [R(g, d, 6, 3), R(g, d, 6, 3)], x => Losses.BinaryCrossEntropy(x[0].Sigmoid(), x[1].Sigmoid().Detach())),
        new("mse", (g, d) => [R(g, d, 6, 3), R(g, d, 6, 3)], x => Losses.MeanSquaredError(x[0], x[1])),
    ];

    private static DType d2(DType d) => d == DType.Float32 ? DType.Float64 : DType.Float32;

    /// <summary>The names of the ops.</summary>
    public static TheoryData<string> Ops()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases) data.Add(c.Name);
        return data;
    }

    /// <summary>Result and input gradients on the GPU match the CPU's, in float32 and float64.</summary>
    [Theory]
    [MemberData(nameof(Ops))]
    public void MatchesTheCpu(string name)
    {
        var op = Cases.Single(c => c.Name == name);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            Check(op, dtype, seed: (ulong)name.GetHashCode(StringComparison.Ordinal) ^ (ulong)dtype);
    }

    private static void Check(OpCase op, DType dtype, ulong seed)
    {
        var gpu = GpuTestDevice.Device;
        var cpuInputs = op.Inputs(new Generator(seed), dtype);
        foreach (var t in cpuInputs) if (t.DType.IsFloating()) t.RequiresGrad = true;
        var gpuInputs = cpuInputs.Select(t =>
        {
            var moved = t.Detach().To(gpu);
            if (t.DType.IsFloating()) moved.RequiresGrad = true;
            return moved;
        }).ToArray();

        var cpuOut = op.Op(cpuInputs);
        var gpuOut = op.Op(gpuInputs);
        Assert.Equal(gpu, gpuOut.Device);
        string what = $"{op.Name} {dtype.Name()}";
        BackendComparison.AssertMatches(cpuOut.Detach(), gpuOut.Detach(), what);

        if (!cpuOut.RequiresGrad) return;
        var weighting = Tensor.Uniform(cpuOut.Shape, -1, 1, cpuOut.DType, new Generator(seed + 1));
        (cpuOut * weighting).Sum().Backward();
        (gpuOut * weighting.To(gpu)).Sum().Backward();
        for (int i = 0; i < cpuInputs.Length; i++)
        {
            if (cpuInputs[i].Grad is not { } expected) continue;
            var actual = gpuInputs[i].Grad ?? throw new Xunit.Sdk.XunitException($"{what}: input {i} got a gradient on the CPU but none on the GPU.");
            Assert.Equal(gpu, actual.Device);
            BackendComparison.AssertMatches(expected, actual, $"{what}, gradient of input {i}");
        }
    }
}
