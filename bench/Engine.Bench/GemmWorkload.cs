using System.Numerics;
using Engine.Kernels.Cpu;

namespace Engine.Bench;

/// <summary>C = A·B through <see cref="Gemm.Run{T}(int,int,int,T,T*,long,long,T*,long,long,T,T*,long)"/>.</summary>
internal sealed unsafe class GemmWorkload<T> : IWorkload where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GemmShape _shape;
    private readonly NativeBuffer<T> _a;
    private readonly NativeBuffer<T> _b;
    private readonly NativeBuffer<T> _c;

    public GemmWorkload(GemmShape shape)
    {
        _shape = shape;
        _a = new NativeBuffer<T>((long)shape.M * shape.K, seed: 1);
        _b = new NativeBuffer<T>((long)shape.K * shape.N, seed: 2);
        _c = new NativeBuffer<T>((long)shape.M * shape.N, seed: 3);
    }

    public void Run()
    {
        var (m, k, n) = (_shape.M, _shape.K, _shape.N);
        // Transposed A: stored k×m row-major, so A(i,p) sits at i + p*m.
        long aRowStride = _shape.TransposeA ? 1 : k;
        long aColStride = _shape.TransposeA ? m : 1;
        Gemm.Run(m, n, k, T.One, _a.Pointer, aRowStride, aColStride, _b.Pointer, n, 1, T.Zero, _c.Pointer, n);
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }
}
