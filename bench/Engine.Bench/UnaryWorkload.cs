using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>y = op(x) over n floats through <see cref="Unary"/>.</summary>
internal sealed unsafe class UnaryWorkload : IWorkload
{
    private readonly UnaryOp _op;
    private readonly NativeBuffer<float> _x;
    private readonly NativeBuffer<float> _y;

    public UnaryWorkload(UnaryOp op, long length)
    {
        _op = op;
        _x = new NativeBuffer<float>(length, seed: 1, low: -4, high: 4);
        _y = new NativeBuffer<float>(length, seed: 2);
    }

    public void Run() => Unary.Apply(_op, _x.Pointer, _y.Pointer, _x.Length, 0f, 0f);

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
    }
}
