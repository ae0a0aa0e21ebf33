using System.Reflection;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// GPU gather and scatter-add against the CPU backend's definition (y[o, j, i] = x[o, index[o, j, i], i] and
/// its adjoint), on the ILGPU CPU simulator: every element type, repeated indices, outer or inner of 1, and the
/// out-of-range errors and NaN targets; the scatter-add kernels also compile for PTX and for OpenCL without subgroups.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuIndexingTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>(outer, axisLength, inner, count): outer or inner of 1, counts above and below the axis length.</summary>
    private static readonly (int Outer, int Axis, int Inner, int Count)[] Shapes =
        [(1, 5, 1, 7), (3, 4, 1, 6), (1, 6, 5, 3), (4, 7, 3, 9), (2, 1, 9, 5), (5, 13, 7, 11)];

    [Fact]
    public void GatherMatchesDefinitionForEveryType()
    {
        CheckGather<float>();
        CheckGather<double>();
        CheckGather<int>();
        CheckGather<byte>();
    }

    private void CheckGather<T>() where T : unmanaged
    {
        var random = new Random(3);
        foreach (var (outer, axis, inner, count) in Shapes)
        {
            T[] x = Values<T>(random, outer * axis * inner);
            int[] index = Indices(random, outer * count * inner, axis);
            var expected = new T[outer * count * inner];
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < count; j++)
                    for (int i = 0; i < inner; i++)
                    {
                        int l = (o * count + j) * inner + i;
                        expected[l] = x[(o * axis + index[l]) * inner + i];
                    }
            using var xs = _accelerator.Allocate1D(x);
            using var indices = _accelerator.Allocate1D(index);
            using var ys = _accelerator.Allocate1D<T>(expected.Length);
            GpuIndexing.Gather<T>(_accelerator, xs.View, outer, axis, inner, indices.View, count, ys.View);
            Assert.Equal(expected, ys.GetAsArray1D());
        }
    }

    [Fact]
    public void ScatterAddAccumulatesRepeatedIndices()
    {
        CheckScatterAdd<float>();
        CheckScatterAdd<double>();
        CheckScatterAdd<int>();
    }

    private void CheckScatterAdd<T>() where T : unmanaged
    {
        var random = new Random(4);
        foreach (var (outer, axis, inner, count) in Shapes)
        {
            T[] y = Values<T>(random, outer * axis * inner);
            T[] src = Values<T>(random, outer * count * inner);
            int[] index = Indices(random, src.Length, axis);
            double[] expected = y.Select(GpuComparison.ToDouble).ToArray();
            for (int l = 0; l < src.Length; l++)
            {
                int i = l % inner, o = l / inner / count;
                expected[(o * axis + index[l]) * inner + i] += GpuComparison.ToDouble(src[l]);
            }
            using var ys = _accelerator.Allocate1D(y);
            using var indices = _accelerator.Allocate1D(index);
            using var srcs = _accelerator.Allocate1D(src);
            GpuIndexing.ScatterAdd<T>(_accelerator, ys.View, outer, axis, inner, indices.View, count, srcs.View);
            double[] actual = ys.GetAsArray1D().Select(GpuComparison.ToDouble).ToArray();
            string what = $"ScatterAdd {typeof(T).Name} [{outer}, {axis}, {inner}] count {count}";
            if (typeof(T) == typeof(int)) Assert.Equal(expected, actual);
            else GpuComparison.AssertClose(expected, actual, what);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    public void OutOfRangeIndexThrowsNamingValueAxisAndPosition(int bad)
    {
        const int outer = 2, axis = 5, inner = 3, count = 4;
        int[] index = new int[outer * count * inner];
        index[17] = bad; // [o, j, i] = [1, 1, 2]
        using var x = _accelerator.Allocate1D<float>(outer * axis * inner);
        using var y = _accelerator.Allocate1D<float>(index.Length);
        using var indices = _accelerator.Allocate1D(index);
        x.MemSetToZero();
        var gather = Assert.Throws<IndexOutOfRangeException>(() =>
            GpuIndexing.Gather<float>(_accelerator, x.View, outer, axis, inner, indices.View, count, y.View));
        Assert.Contains($"index {bad} is out of range for an axis of size {axis}", gather.Message);
        Assert.Contains("[1, 1, 2]", gather.Message);
        var scatter = Assert.Throws<IndexOutOfRangeException>(() =>
            GpuIndexing.ScatterAdd<float>(_accelerator, x.View, outer, axis, inner, indices.View, count, y.View));
        Assert.Contains($"index {bad} is out of range for an axis of size {axis}", scatter.Message);
        Assert.Contains("ScatterAdd", scatter.Message);
        // A correct call afterwards does not see the earlier fault.
        index[17] = 0;
        indices.CopyFromCPU(index);
        GpuIndexing.Gather<float>(_accelerator, x.View, outer, axis, inner, indices.View, count, y.View);
    }

    /// <summary>
    /// Launches with a fault cell do not wait; the cell's check reports the first faulting launch (a later fault does
    /// not overwrite it), then is clear.
    /// </summary>
    [Fact]
    public void AFaultCellReportsTheFirstFaultingLaunchWhenChecked()
    {
        const int axis = 4;
        using var x = _accelerator.Allocate1D<float>(axis);
        using var y = _accelerator.Allocate1D<float>(3);
        using var good = _accelerator.Allocate1D(new[] { 0, 1, 3 });
        using var first = _accelerator.Allocate1D(new[] { 0, 9, 1 });
        using var second = _accelerator.Allocate1D(new[] { -2, 0, 1 });
        x.MemSetToZero();
        using var faults = new IndexFaultCell(_accelerator);
        GpuIndexing.Gather<float>(_accelerator, x.View, 1, axis, 1, good.View, 3, y.View, faults);
        GpuIndexing.Gather<float>(_accelerator, x.View, 1, axis, 1, first.View, 3, y.View, faults);
        GpuIndexing.ScatterAdd<float>(_accelerator, x.View, 1, axis, 1, second.View, 3, y.View, faults);
        Assert.True(faults.Pending);
        var e = Assert.Throws<IndexOutOfRangeException>(() => faults.ThrowIfFaulted());
        Assert.Contains("GpuIndexing.Gather: index 9 is out of range for an axis of size 4 (at index element 1", e.Message);
        Assert.False(faults.Pending);
        GpuIndexing.Gather<float>(_accelerator, x.View, 1, axis, 1, good.View, 3, y.View, faults);
        Assert.True(faults.ThrowIfFaulted());
        Assert.False(faults.ThrowIfFaulted());
    }

    [Fact]
    public void BadSizesAndTypesThrow()
    {
        using var x = _accelerator.Allocate1D<double>(10);
        using var index = _accelerator.Allocate1D<int>(4);
        using var y = _accelerator.Allocate1D<double>(3);
        var e = Assert.Throws<ArgumentException>(() => GpuIndexing.Gather<double>(_accelerator, x.View, 1, 10, 1, index.View, 4, y.View));
        Assert.Contains("y has 3 elements", e.Message);
        Assert.Throws<ArgumentException>(() => GpuIndexing.Gather<double>(_accelerator, x.View, 1, 11, 1, index.View, 3, y.View));
        Assert.Throws<ArgumentException>(() => GpuIndexing.ScatterAdd<double>(_accelerator, x.View, 1, 10, 1, index.View, 5, y.View));
        using var bytes = _accelerator.Allocate1D<byte>(10);
        Assert.Throws<NotSupportedException>(() => GpuIndexing.ScatterAdd<byte>(_accelerator, bytes.View, 1, 10, 1, index.View, 1, bytes.View));
        // An empty problem launches nothing, even with no elements behind the views.
        GpuIndexing.Gather<double>(_accelerator, x.View, 0, 10, 1, ArrayView<int>.Empty, 4, ArrayView<double>.Empty);
    }

    public static TheoryData<string> AtomicTypes() => new() { "float", "double", "int" };

    /// <summary>
    /// The kernels each backend gets compile without a device: CUDA's native atomic adds to PTX, and the bitwise
    /// compare-and-swap adds to OpenCL C for a device with doubles and 64-bit atomics (the double add swaps 64 bits,
    /// as PoCL can) but without subgroups.
    /// </summary>
    [Theory]
    [MemberData(nameof(AtomicTypes))]
    public void ScatterAddCompilesForPtxAndOpenCl(string element)
    {
        using var compiler = new KernelCompiler(int64Atomics: true);
        var native = element switch
        {
            "float" => typeof(ScatterAddKernel<float, FloatAtomicAdd>),
            "double" => typeof(ScatterAddKernel<double, DoubleAtomicAdd>),
            _ => typeof(ScatterAddKernel<int, IntAtomicAdd>),
        };
        string ptx = compiler.Ptx(EntryPoint(native));
        // One native reduction (red.add.f32/f64/u32), no compare-and-swap loop: the one compare-and-swap is the
        // fault cell's claim, off the adding path (it runs only for an out-of-range index).
        Assert.Matches(@"(red|atom)[.a-z]*\.add\.[fsu](32|64)", ptx);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(ptx, @"atom[.a-z]*\.cas"));
        var bitwise = element switch
        {
            "float" => typeof(ScatterAddKernel<float, FloatBitwiseAtomicAdd>),
            "double" => typeof(ScatterAddKernel<double, DoubleBitwiseAtomicAdd>),
            _ => typeof(ScatterAddKernel<int, IntAtomicAdd>),
        };
        var source = compiler.OpenCl(EntryPoint(bitwise));
        Assert.Contains("atomic", source);
        Assert.DoesNotContain("sub_group", source);
    }

    private static EntryPointDescription EntryPoint(Type kernel) =>
        EntryPointDescription.FromImplicitlyGroupedKernel(kernel.GetMethod("Kernel", BindingFlags.NonPublic | BindingFlags.Static)!);

    [Fact]
    public void ScatterAddIntoNaNGivesNaN()
    {
        CheckScatterAddNaN<float>();
        CheckScatterAddNaN<double>();
    }

    private void CheckScatterAddNaN<T>() where T : unmanaged
    {
        // y[0] starts NaN and receives three adds; src[3] is NaN and goes to y[1]; y[2] only finite values.
        T[] y = [GpuComparison.FromDouble<T>(double.NaN), GpuComparison.FromDouble<T>(1), GpuComparison.FromDouble<T>(2)];
        T[] src = new[] { 1, 2, 3, double.NaN, 5, 6 }.Select(GpuComparison.FromDouble<T>).ToArray();
        int[] index = [0, 0, 0, 1, 2, 2];
        using var ys = _accelerator.Allocate1D(y);
        using var indices = _accelerator.Allocate1D(index);
        using var srcs = _accelerator.Allocate1D(src);
        GpuIndexing.ScatterAdd<T>(_accelerator, ys.View, 1, 3, 1, indices.View, 6, srcs.View);
        GpuComparison.AssertExact([double.NaN, double.NaN, 13], ys.GetAsArray1D().Select(GpuComparison.ToDouble).ToArray(), $"ScatterAdd NaN {typeof(T).Name}");
    }

    private static T[] Values<T>(Random random, int count) where T : unmanaged
    {
        if (typeof(T) == typeof(int)) return (T[])(object)Enumerable.Range(0, count).Select(_ => random.Next(-1000, 1000)).ToArray();
        if (typeof(T) == typeof(byte)) return (T[])(object)Enumerable.Range(0, count).Select(_ => (byte)random.Next(256)).ToArray();
        return GpuComparison.Random<T>(random, count, 4, specials: false);
    }

    private static int[] Indices(Random random, int count, int axis) => Enumerable.Range(0, count).Select(_ => random.Next(axis)).ToArray();
}
