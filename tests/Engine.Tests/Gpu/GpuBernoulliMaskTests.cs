using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The device's dropout mask (<see cref="GpuBernoulliMask"/>) equals the CPU's scalar reference
/// (<see cref="BernoulliMask.Reference{T}"/>) bit for bit, float and double, on small odd and even sizes.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuBernoulliMaskTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    private static readonly int[] Sizes = [1, 2, 3, 8, 33, 250];

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void Mask_matches_the_cpu_bit_for_bit(double p)
    {
        Check<float>(p);
        Check<double>(p);
    }

    private void Check<T>(double p) where T : unmanaged
    {
        double scale = p >= 1 ? 0 : 1 / (1 - p);
        foreach (int n in Sizes)
        {
            ulong key = 0x9E3779B97F4A7C15UL * (ulong)(n + 1) ^ (ulong)BitConverter.DoubleToInt64Bits(p);
            var expected = new T[n];
            fixed (T* e = expected) BernoulliMask.Reference(e, n, key, p, scale);
            using var buffer = _accelerator.Allocate1D<T>(n);
            GpuBernoulliMask.Fill<T>(_accelerator, buffer.View, key, p, scale);
            _accelerator.Synchronize();
            Assert.Equal(expected, buffer.GetAsArray1D());
        }
    }

    [Fact]
    public void Fill_rejects_p_outside_zero_to_one_and_other_types()
    {
        using var buffer = _accelerator.Allocate1D<float>(4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GpuBernoulliMask.Fill<float>(_accelerator, buffer.View, 1, 1.5, 2));
        Assert.Contains("1.5", e.Message);
        using var ints = _accelerator.Allocate1D<int>(4);
        var n = Assert.Throws<NotSupportedException>(() => GpuBernoulliMask.Fill<int>(_accelerator, ints.View, 1, 0.5, 2));
        Assert.Contains("GpuBernoulliMask.Fill", n.Message);
    }

    [Fact]
    public void An_empty_mask_launches_nothing()
    {
        using var buffer = _accelerator.Allocate1D<double>(0);
        GpuBernoulliMask.Fill<double>(_accelerator, buffer.View, 1, 0.5, 2);
        _accelerator.Synchronize();
    }
}
