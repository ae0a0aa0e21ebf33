using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary>
/// Tensor.Dropout's mask is the counter-based stream of one generator draw: element i (row-major over the output)
/// is kept iff CounterHash.Bits(key, i) ≥ round(p·2^32), whatever the input's layout, and each call takes exactly
/// one 64-bit draw from the generator.
/// </summary>
public sealed class DropoutMaskTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.85)]
    public void Kept_elements_are_those_whose_counter_bits_reach_the_threshold(double p)
    {
        var x = Tensor.Uniform(new Shape(9, 37), 1, 2, DType.Float32, new Generator(2));
        ulong key = new Generator(31).NextUInt64();
        var y = x.Dropout(p, training: true, new Generator(31)).ToArray<float>();
        var xs = x.ToArray<float>();
        ulong threshold = BernoulliMask.Threshold(p);
        float scale = (float)(1 / (1 - p));
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(CounterHash.Bits(key, i) >= threshold ? xs[i] * scale : 0f, y[i]);
    }

    [Fact]
    public void The_mask_follows_the_outputs_row_major_order_for_a_strided_input()
    {
        var x = Tensor.Uniform(new Shape(11, 6), 1, 2, DType.Float64, new Generator(4));
        var transposed = x.Transpose(0, 1);
        ulong key = new Generator(8).NextUInt64();
        var y = transposed.Dropout(0.4, training: true, new Generator(8)).ToDoubles();
        var xs = transposed.ToDoubles();
        ulong threshold = BernoulliMask.Threshold(0.4);
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(CounterHash.Bits(key, i) >= threshold ? xs[i] * (1 / 0.6) : 0, y[i]);
    }

    [Fact]
    public void Each_call_takes_one_draw_from_the_generator()
    {
        var x = Tensor.Ones(new Shape(1000), DType.Float32);
        var generator = new Generator(77);
        var reference = new Generator(77);
        x.Dropout(0.5, training: true, generator);
        reference.NextUInt64();
        Assert.Equal(reference.NextUInt64(), generator.NextUInt64());
        x.Dropout(0.5, training: false, generator);
        x.Dropout(0, training: true, generator);
        Assert.Equal(reference.NextUInt64(), generator.NextUInt64());
    }
}
