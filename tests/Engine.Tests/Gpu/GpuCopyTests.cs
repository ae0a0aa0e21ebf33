using Engine.Kernels.Gpu;
using Engine.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// GPU strided copy with conversion and strided fill against the CPU backend (Tensor.To, which runs its Copy,
/// ConvertFrom and ToBool), on the ILGPU CPU simulator: every pair of float, double, int and byte (Bool), with
/// NaN, ±∞, fractions, negatives and out-of-int-range values, over contiguous, transposed and stride-0 sources.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuCopyTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string src in new[] { "float", "double", "int", "byte" })
            foreach (string dst in new[] { "float", "double", "int", "byte" })
                data.Add(src, dst);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void CopyMatchesCpuBackend(string src, string dst)
    {
        switch (src)
        {
            case "float": CopyFrom<float>(dst); break;
            case "double": CopyFrom<double>(dst); break;
            case "int": CopyFrom<int>(dst); break;
            default: CopyFrom<byte>(dst); break;
        }
    }

    private void CopyFrom<TSrc>(string dst) where TSrc : unmanaged
    {
        switch (dst)
        {
            case "float": CheckCopy<TSrc, float>(); break;
            case "double": CheckCopy<TSrc, double>(); break;
            case "int": CheckCopy<TSrc, int>(); break;
            default: CheckCopy<TSrc, byte>(); break;
        }
    }

    /// <summary>The source views: (base shape, view of the base tensor).</summary>
    private static IEnumerable<(string Name, int[] BaseShape, Func<Tensor, Tensor> View)> Views() =>
    [
        ("contiguous [3, 5, 7]", [3, 5, 7], t => t),
        ("transposed [5, 7]ᵀ", [5, 7], t => t.Transpose(0, 1)),
        ("permuted [2, 3, 4, 5] → [5, 2, 4, 3]", [2, 3, 4, 5], t => t.Permute(3, 0, 2, 1)),
        ("stride-0 rows [1, 9] → [4, 9]", [1, 9], t => t.Expand(4, 9)),
        ("stride-0 columns [6, 1] → [6, 5]", [6, 1], t => t.Expand(6, 5)),
        ("scalar", [], t => t),
    ];

    private void CheckCopy<TSrc, TDst>() where TSrc : unmanaged where TDst : unmanaged
    {
        var random = new Random(17);
        foreach (var (name, baseShape, view) in Views())
        {
            TSrc[] data = Values<TSrc>(random, baseShape.Aggregate(1, (a, b) => a * b));
            Tensor source = view(Tensor.FromArray(data, new Shape(baseShape)));
            TDst[] expected = source.To(DTypes.Of<TDst>()).ToArray<TDst>();
            long[] shape = source.Shape.ToArray().Select(d => (long)d).ToArray();
            using var src = _accelerator.Allocate1D(data);
            using var dst = _accelerator.Allocate1D<TDst>(expected.Length);
            GpuCopy.Copy<TSrc, TDst>(_accelerator, src.View, source.Strides.ToArray(), dst.View, RowMajor(shape), shape);
            GpuComparison.AssertExact(expected, dst.GetAsArray1D(), $"Copy {typeof(TSrc).Name} → {typeof(TDst).Name}, {name}");
        }
    }

    [Fact]
    public void CopyIntoStridedDestinationLeavesGapsUntouched()
    {
        // dst is the transpose of a [4, 6] buffer, and only its first 3 of 4 rows: [6, 3] with strides [1, 6].
        double[] source = Enumerable.Range(0, 18).Select(i => i * 1.5 - 7).ToArray();
        using var src = _accelerator.Allocate1D(source);
        using var dst = _accelerator.Allocate1D(Enumerable.Repeat(-99, 24).ToArray());
        GpuCopy.Copy<double, int>(_accelerator, src.View, [3, 1], dst.View, [1, 6], [6, 3]);
        int[] actual = dst.GetAsArray1D();
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 6; c++)
                Assert.Equal(r < 3 ? (int)source[c * 3 + r] : -99, actual[r * 6 + c]);
    }

    [Fact]
    public void FillWritesOnlyTheView()
    {
        CheckFill(2.5f);
        CheckFill(double.NegativeInfinity);
        CheckFill(-7);
        CheckFill((byte)1);
    }

    private void CheckFill<T>(T value) where T : unmanaged
    {
        // Every other column of the rows 1..3 of a [5, 8] buffer: shape [3, 4], strides [8, 2] from element 8.
        var initial = new T[40];
        using var buffer = _accelerator.Allocate1D(initial);
        GpuCopy.Fill<T>(_accelerator, ((ArrayView<T>)buffer.View).SubView(8, 32), [8, 2], [3, 4], value);
        T[] actual = buffer.GetAsArray1D();
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 8; c++)
            {
                bool inView = r is >= 1 and <= 3 && c % 2 == 0;
                Assert.Equal(inView ? value : default, actual[r * 8 + c]);
            }
        // A stride-0 view of one element and an empty shape's no-op.
        GpuCopy.Fill<T>(_accelerator, buffer.View, [0, 0], [3, 3], value);
        GpuCopy.Fill<T>(_accelerator, buffer.View, [1], [0], value);
        Assert.Equal(value, buffer.GetAsArray1D()[0]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        using var a = _accelerator.Allocate1D<float>(12);
        using var b = _accelerator.Allocate1D<float>(12);
        var e = Assert.Throws<ArgumentException>(() => GpuCopy.Copy<float, float>(_accelerator, a.View, [4, 1], b.View, [4, 1], [4, 4]));
        Assert.Contains("src", e.Message);
        Assert.Throws<ArgumentException>(() => GpuCopy.Copy<float, float>(_accelerator, a.View, [1], b.View, [1, 1], [3]));
        Assert.Throws<ArgumentException>(() => GpuCopy.Fill(_accelerator, a.View, [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 2], 1f));
        using var longs = _accelerator.Allocate1D<long>(4);
        Assert.Throws<NotSupportedException>(() => GpuCopy.Copy<long, float>(_accelerator, longs.View, [1], a.View, [1], [4]));
    }

    private static long[] RowMajor(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            strides[k] = stride;
            stride *= shape[k];
        }
        return strides;
    }

    /// <summary>Values that exercise every conversion rule: NaN, ±∞, fractions, negatives, beyond int range, zeros.</summary>
    private static T[] Values<T>(Random random, int count) where T : unmanaged
    {
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -2.7, 2.7, -0.0, 0, 3e9, -3e9, 1e-30, 0.5, -0.5];
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            double v = i < specials.Length ? specials[i] : (random.NextDouble() * 2 - 1) * 1000;
            values[i] = typeof(T) == typeof(int) ? (T)(object)(i % 7 == 3 ? int.MinValue : i % 7 == 5 ? int.MaxValue : (int)(random.Next(-500, 500)))
                : typeof(T) == typeof(byte) ? (T)(object)(byte)random.Next(2)
                : GpuComparison.FromDouble<T>(v);
        }
        return values;
    }
}
