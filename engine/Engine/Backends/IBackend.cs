using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>
/// The small set of primitive ops every device implements. Everything else — views, broadcasting,
/// reductions over several axes, composite math, and later gradients and layers — is written once,
/// above this interface, in terms of these primitives.
/// </summary>
/// <remarks>
/// Conventions: tensors passed in are on this backend's device; outputs are freshly allocated
/// contiguous tensors unless stated; inputs may be arbitrary strided views (stride 0 for broadcast).
/// The tensor layer validates shapes and dtypes before calling, so backends only assert.
/// </remarks>
public partial interface IBackend
{
    /// <summary>Allocates uninitialised storage for <paramref name="count"/> elements.</summary>
    Storage Allocate(DType dtype, long count);

    /// <summary>The device memory pool's counters.</summary>
    MemoryStatistics MemoryStatistics { get; }

    /// <summary>Frees the memory the pool keeps cached for reuse.</summary>
    void ReleaseCachedMemory();

    /// <summary>Waits until every queued op has finished (ops on the host run synchronously).</summary>
    void Synchronize();

    /// <summary>Copies host bytes into <paramref name="dst"/> starting at element <paramref name="elementOffset"/>.</summary>
    void CopyFromHost(ReadOnlySpan<byte> src, Storage dst, long elementOffset);

    /// <summary>Copies storage bytes starting at element <paramref name="elementOffset"/> to the host.</summary>
    void CopyToHost(Storage src, long elementOffset, Span<byte> dst);

    /// <summary>Sets every element of the (possibly strided) view <paramref name="dst"/> to <paramref name="value"/>.</summary>
    void Fill(Tensor dst, double value);

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> (same shape, any strides), converting dtype if they differ.</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>y = f(x) elementwise; <paramref name="alpha"/>/<paramref name="beta"/> parameterise some functions.</summary>
    void Unary(UnaryOp op, Tensor x, Tensor y, double alpha, double beta);

    /// <summary>y = a op b elementwise; a and b are broadcast views with y's shape.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);

    /// <summary>y = (a op b) as a Bool tensor; a and b are broadcast views with y's shape.</summary>
    void Compare(CompareOp op, Tensor a, Tensor b, Tensor y);

    /// <summary>y = cond ? a : b; all three are broadcast views with y's shape.</summary>
    void Select(Tensor condition, Tensor a, Tensor b, Tensor y);

    /// <summary>
    /// Reduces the adjacent axes [<paramref name="axis"/>, <paramref name="axis"/> + <paramref name="count"/>)
    /// of <paramref name="x"/>; <paramref name="y"/> has x's shape with those axes set to 1.
    /// </summary>
    void Reduce(ReduceOp op, Tensor x, int axis, int count, Tensor y);

    /// <summary>Index (Int32) of the first extreme along <paramref name="axis"/>; y has that axis set to 1.</summary>
    void ArgReduce(ArgReduceOp op, Tensor x, int axis, Tensor y);

    /// <summary>Softmax (or log-softmax) of <paramref name="x"/> along <paramref name="axis"/> into <paramref name="y"/>.</summary>
    void Softmax(Tensor x, int axis, Tensor y, bool log);

    /// <summary>
    /// Batched matrix product c[..., m, n] = a[..., m, k] · b[..., k, n]; a and b are views whose batch
    /// dimensions are already broadcast to c's (stride 0 where repeated), with any matrix strides.
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor c);

    /// <summary>
    /// Take-along-axis: y[i…, j, k…] = x[i…, index[i…, j, k…], k…] along <paramref name="axis"/>. index is
    /// Int32 with y's shape (may be a broadcast view); every index is range-checked.
    /// </summary>
    void Gather(Tensor x, int axis, Tensor index, Tensor y);

    /// <summary>
    /// The adjoint of <see cref="Gather"/>: y[i…, index[i…, j, k…], k…] += src[i…, j, k…]; repeated indices accumulate.
    /// </summary>
    void ScatterAdd(Tensor y, int axis, Tensor index, Tensor src);
}
