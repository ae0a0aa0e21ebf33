using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>The sum of n floats through <see cref="Reduce"/> (one output element).</summary>
internal sealed unsafe class SumWorkload : IWorkload
{
    private readonly NativeBuffer<float> _x;
    private readonly NativeBuffer<float> _y;

    public SumWorkload(long length)
    {
        _x = new NativeBuffer<float>(length, seed: 1);
        _y = new NativeBuffer<float>(1, seed: 2);
    }

    public void Run() => Reduce.Apply(ReduceOp.Sum, _x.Pointer, outer: 1, _x.Length, inner: 1, _y.Pointer);

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
    }
}
