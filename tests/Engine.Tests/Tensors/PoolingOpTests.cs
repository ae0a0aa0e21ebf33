using Engine.Kernels.Cpu;
using Engine.Tensors;
using Engine.Tests.Kernels;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>
/// The pooling and upsampling tensor ops against the direct-loop float64 references, on float32 and float64
/// inputs laid out contiguously, transposed or strided (the op makes them contiguous first).
/// </summary>
[Properties(Arbitrary = [typeof(PoolingArbitraries)], MaxTest = 40)]
public class PoolingOpTests
{
    private static readonly MemoryLayout[] Layouts = [MemoryLayout.Contiguous, MemoryLayout.Transposed, MemoryLayout.Strided];

    /// <summary>A tensor of <paramref name="shape"/> holding <paramref name="values"/> (rounded to the dtype), laid out by the seed.</summary>
    private static (Tensor T, double[] Values) Input(int[] shape, double[] values, DType dtype, int seed)
    {
        var t = TensorArbitraries.Make(new NdArray(shape, values), dtype, Layouts[seed % Layouts.Length]);
        return (t, t.ToDoubles());
    }

    private static DType TypeOf(int seed) => seed % 2 == 0 ? DType.Float32 : DType.Float64;

    private static double Atol(DType dtype) => dtype == DType.Float32 ? 1e-5 : 1e-12;

    private static int[] Pooled(PoolCase c, int rank) => rank == 3
        ? [c.N, c.C, c.Geometry.OutWidth]
        : [c.N, c.C, c.Geometry.OutHeight, c.Geometry.OutWidth];

    /// <summary>The same case as a 1-D pooling: H = 1 and the column window.</summary>
    private static PoolCase OneD(PoolCase c) => c with { H = 1, KH = 1, SH = 1, PH = 0 };

    [Property]
    public void MaxPool2d_matches_the_reference(PoolCase c)
    {
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.H, c.W], PoolingReference.Values(c.Planes * c.H * c.W, c.Seed), dtype, c.Seed / 2);
        var (expected, _) = PoolingReference.MaxPool(values, c);
        var y = x.MaxPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW));
        Assert.Equal(dtype, y.DType);
        Close.Equal(new NdArray(Pooled(c, 4), expected), y, 0, 0, c.ToString());
    }

    [Property]
    public void MaxPool1d_matches_the_reference(PoolCase c)
    {
        c = OneD(c);
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.W], PoolingReference.Values(c.Planes * c.W, c.Seed), dtype, c.Seed / 2);
        var (expected, _) = PoolingReference.MaxPool(values, c);
        Close.Equal(new NdArray(Pooled(c, 3), expected), x.MaxPool1d(c.KW, c.SW, c.PW), 0, 0, c.ToString());
    }

    [Property]
    public void AvgPool2d_matches_the_reference(PoolCase c, bool countIncludePad)
    {
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.H, c.W], PoolingReference.Values(c.Planes * c.H * c.W, c.Seed), dtype, c.Seed / 2);
        double[] expected = PoolingReference.AvgPool(values, c, countIncludePad);
        var y = x.AvgPool2d((c.KH, c.KW), (c.SH, c.SW), (c.PH, c.PW), countIncludePad);
        Close.Equal(new NdArray(Pooled(c, 4), expected), y, 0, Atol(dtype), c.ToString());
    }

    [Property]
    public void AvgPool1d_matches_the_reference(PoolCase c, bool countIncludePad)
    {
        c = OneD(c);
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.W], PoolingReference.Values(c.Planes * c.W, c.Seed), dtype, c.Seed / 2);
        double[] expected = PoolingReference.AvgPool(values, c, countIncludePad);
        Close.Equal(new NdArray(Pooled(c, 3), expected), x.AvgPool1d(c.KW, c.SW, c.PW, countIncludePad), 0, Atol(dtype), c.ToString());
    }

    [Property]
    public void Upsample2d_matches_the_reference(UpsampleCase c, bool bilinear)
    {
        var mode = bilinear ? UpsampleMode.Bilinear : UpsampleMode.Nearest;
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.H, c.W], PoolingReference.Values(c.Planes * c.H * c.W, c.Seed), dtype, c.Seed / 2);
        int outCount = c.Planes * c.H * c.SH * c.W * c.SW;
        double[] expected = PoolingReference.Apply(PoolingReference.UpsampleTerms(c, mode), values, outCount);
        Close.Equal(new NdArray([c.N, c.C, c.H * c.SH, c.W * c.SW], expected), x.Upsample2d((c.SH, c.SW), mode), 0, Atol(dtype), c.ToString());
    }

    [Property]
    public void Global_pools_reduce_every_axis_after_the_channels(UpsampleCase c, bool keepDims)
    {
        var dtype = TypeOf(c.Seed);
        var (x, values) = Input([c.N, c.C, c.H, c.W], PoolingReference.Values(c.Planes * c.H * c.W, c.Seed), dtype, c.Seed / 2);
        int plane = c.H * c.W;
        var mean = Enumerable.Range(0, c.Planes).Select(p => values.Skip(p * plane).Take(plane).Average()).ToArray();
        var max = Enumerable.Range(0, c.Planes).Select(p => values.Skip(p * plane).Take(plane).Max()).ToArray();
        int[] shape = keepDims ? [c.N, c.C, 1, 1] : [c.N, c.C];
        Close.Equal(new NdArray(shape, mean), x.GlobalAvgPool(keepDims), 0, Atol(dtype));
        Close.Equal(new NdArray(shape, max), x.GlobalMaxPool(keepDims), 0, 0);
        // Rank 3 ([N, C, L]) and rank 5 pool every trailing axis too.
        Close.Equal(new NdArray([c.N, c.C], mean), x.Reshape(c.N, c.C, plane).GlobalAvgPool(), 0, Atol(dtype));
        Close.Equal(new NdArray([c.N, c.C], max), x.Reshape(c.N, c.C, c.H, 1, c.W).GlobalMaxPool(), 0, 0);
    }

    [Fact]
    public void Square_overloads_and_the_default_stride_match_the_tuple_form()
    {
        var x = Tensor.Uniform(new Shape(2, 3, 7, 8), -1, 1, DType.Float64, new Generator(5));
        Assert.Equal(x.MaxPool2d((3, 3), (2, 2), (1, 1)).ToDoubles(), x.MaxPool2d(3, 2, 1).ToDoubles());
        Assert.Equal(x.MaxPool2d((2, 2), (2, 2)).ToDoubles(), x.MaxPool2d(2).ToDoubles());
        Assert.Equal(x.AvgPool2d((3, 3), (2, 2), (1, 1), false).ToDoubles(), x.AvgPool2d(3, 2, 1, false).ToDoubles());
        Assert.Equal(x.AvgPool2d((2, 2), (2, 2)).ToDoubles(), x.AvgPool2d(2).ToDoubles());
        Assert.Equal(x.Upsample2d((2, 2)).ToDoubles(), x.Upsample2d(2).ToDoubles());
        Assert.Equal([2, 3, 3, 4], x.MaxPool2d(2).Shape.ToArray());
        Assert.Equal([2, 3, 4, 4], x.MaxPool2d(3, 2, 1).Shape.ToArray());
        var line = x.Reshape(2, 3, 56);
        Assert.Equal([2, 3, 18], line.MaxPool1d(3).Shape.ToArray());
        Assert.Equal(line.AvgPool1d(4, 4).ToDoubles(), line.AvgPool1d(4).ToDoubles());
    }

    [Fact]
    public void Count_include_pad_divides_edge_windows_by_the_kernel_area_or_by_the_real_cells()
    {
        var x = Tensor.Ones(new Shape(1, 1, 2, 2), DType.Float64);
        // 3×3 windows with padding 1 and stride 1: each window covers 4 real cells of the 2×2 plane.
        Assert.Equal(Enumerable.Repeat(4.0 / 9, 4), x.AvgPool2d(3, 1, 1).ToDoubles());
        Assert.Equal(Enumerable.Repeat(1.0, 4), x.AvgPool2d(3, 1, 1, countIncludePad: false).ToDoubles());
    }

    [Fact]
    public void Channels_last_input_pools_after_a_permute()
    {
        var nhwc = Tensor.Uniform(new Shape(2, 6, 6, 3), -1, 1, DType.Float32, new Generator(9));
        var viaPermute = nhwc.Permute(0, 3, 1, 2).MaxPool2d(2);
        var viaCopy = nhwc.Permute(0, 3, 1, 2).Contiguous().MaxPool2d(2);
        Assert.Equal(viaCopy.ToDoubles(), viaPermute.ToDoubles());
    }

    public static TheoryData<string, Func<Tensor>, string> Errors()
    {
        var x4 = Tensor.Zeros(new Shape(1, 2, 4, 4));
        var x3 = Tensor.Zeros(new Shape(1, 2, 5));
        var ints = Tensor.Zeros(new Shape(1, 2, 4, 4), DType.Int32);
        return new()
        {
            { "MaxPool2d", () => x3.MaxPool2d(2), "[N, C, H, W]" },
            { "MaxPool2d", () => x4.MaxPool2d(5), "larger than the padded input" },
            { "MaxPool2d", () => x4.MaxPool2d(2, 1, 2), "at most half the kernel" },
            { "MaxPool2d", () => x4.MaxPool2d((0, 2)), "must be positive" },
            { "MaxPool2d", () => x4.MaxPool2d(2, 0), "stride" },
            { "MaxPool2d", () => x4.MaxPool2d(3, 1, -1), "must not be negative" },
            { "MaxPool2d", () => ints.MaxPool2d(2), "floating" },
            { "MaxPool1d", () => x4.MaxPool1d(2), "[N, C, L]" },
            { "MaxPool1d", () => x3.MaxPool1d(6), "larger than the padded input" },
            { "AvgPool1d", () => x3.AvgPool1d(2, 1, 2), "at most half the kernel" },
            { "AvgPool2d", () => x4.AvgPool2d(2, -1), "stride" },
            { "AvgPool2d", () => x3.AvgPool2d(2), "[N, C, H, W]" },
            { "Upsample2d", () => x3.Upsample2d(2), "[N, C, H, W]" },
            { "Upsample2d", () => x4.Upsample2d((0, 2)), "must be positive" },
            { "GlobalAvgPool", () => Tensor.Zeros(new Shape(2, 3)).GlobalAvgPool(), "[N, C, …]" },
            { "GlobalMaxPool", () => Tensor.Zeros(new Shape(2, 3)).GlobalMaxPool(), "[N, C, …]" },
        };
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public void Bad_arguments_throw_naming_the_op_the_shape_and_the_problem(string op, Func<Tensor> call, string problem)
    {
        var e = Assert.Throws<ArgumentException>(call);
        Assert.StartsWith(op + ":", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Error_messages_show_the_input_shape_and_the_parameters()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(new Shape(1, 2, 4, 4)).MaxPool2d((5, 2), (1, 1), (0, 1)));
        Assert.Contains("(1, 2, 4, 4)", e.Message);
        Assert.Contains("kernel (5, 2)", e.Message);
        Assert.Contains("padding (0, 1)", e.Message);
    }
}

/// <summary>Pooling under process-wide kernel settings: a forced CPU path is the one taken, and the thread count changes nothing.</summary>
[Collection(nameof(GlobalKernelSettings))]
public class PoolingDispatchTests
{
    public static TheoryData<CpuIsa> ExecutablePaths()
    {
        var paths = new TheoryData<CpuIsa> { CpuIsa.Scalar, CpuIsa.Avx512 };
        if (IsaDispatch.Avx2Supported) paths.Add(CpuIsa.Avx2);
        return paths;
    }

    [Theory]
    [MemberData(nameof(ExecutablePaths))]
    public void Forcing_a_path_makes_the_pooling_ops_take_it(CpuIsa isa)
    {
        var previous = IsaDispatch.Active;
        try
        {
            IsaDispatch.Force(isa);
            var x = Tensor.Randn(new Shape(2, 3, 8, 10), generator: new Generator(3));
            var checks = new (string Name, Action Run)[]
            {
                ("MaxPool2d", () => x.MaxPool2d(2)),
                ("AvgPool2d", () => x.AvgPool2d(2)),
                ("MaxPool1d", () => x.Reshape(2, 3, 80).MaxPool1d(2)),
                ("Upsample2d", () => x.Upsample2d(2)),
            };
            foreach (var (name, run) in checks)
            {
                IsaDispatch.ResetLastTaken();
                run();
                Assert.True(IsaDispatch.LastTaken == isa, $"{name} took {IsaDispatch.LastTaken} with {isa} forced");
            }
        }
        finally
        {
            IsaDispatch.Force(previous);
        }
    }

    [Fact]
    public void Thread_count_does_not_change_results_or_gradients()
    {
        var previous = EngineOptions.Threads;
        try
        {
            var x = Tensor.Randn(new Shape(8, 32, 26, 26), generator: new Generator(5), requiresGrad: true);
            float[] Run(int threads)
            {
                EngineOptions.Threads = threads;
                x.ZeroGrad();
                var y = x.MaxPool2d(3, 2, 1).Sum() + x.AvgPool2d(2).Square().Sum() + x.Upsample2d(2, UpsampleMode.Bilinear).Square().Sum()
                        + x.Upsample2d(2).Square().Sum();
                y.Backward();
                return [y.Item<float>(), .. x.Grad!.ToArray<float>()];
            }
            Assert.Equal(Run(1), Run(2));
        }
        finally
        {
            EngineOptions.Threads = previous;
        }
    }
}
