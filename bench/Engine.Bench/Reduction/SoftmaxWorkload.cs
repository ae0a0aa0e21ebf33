using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>Softmax of each of <c>outer</c> contiguous rows of <c>length</c> floats through <see cref="Softmax"/>.</summary>
internal sealed unsafe class SoftmaxWorkload : IWorkload
{
    private readonly long _outer;
    private readonly long _length;
    private readonly NativeBuffer<float> _x;
    private readonly NativeBuffer<float> _y;

    public SoftmaxWorkload(long outer, long length)
    {
        (_outer, _length) = (outer, length);
        _x = new NativeBuffer<float>(outer * length, seed: 1, low: -4, high: 4);
        _y = new NativeBuffer<float>(outer * length, seed: 2);
    }

    public void Run() => Softmax.Apply(_x.Pointer, _outer, _length, inner: 1, _y.Pointer, log: false);

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
    }
}
