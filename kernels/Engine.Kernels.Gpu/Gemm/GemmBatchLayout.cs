namespace Engine.Kernels.Gpu;

/// <summary>
/// The batch axes of a strided batched GEMM: up to <see cref="MaxAxes"/> axes, each with a size and the element
/// stride of A, B and C along it (0 where an operand is broadcast). Item i's matrices start at Σ index_d(i)·stride_d,
/// index_d(i) being i written in the axes' sizes, the last axis fastest. The kernels compute these offsets
/// themselves, so a batched product of broadcast operands needs no offset table copied from the host (and no wait for
/// that copy).
/// </summary>
/// <remarks>
/// Stored right-aligned in fixed fields (axis 3 is always the fastest; unused leading axes have size 1, stride 0):
/// ILGPU kernel parameters must be unmanaged values without arrays. Public only because ILGPU's CPU simulator builds its
/// launch code in a separate assembly; create it with <see cref="Create"/>.
/// </remarks>
public struct GemmBatchLayout
{
    /// <summary>Most batch axes a layout holds.</summary>
    public const int MaxAxes = 4;

    /// <summary>Number of axes given (0: a single product).</summary>
    public int Rank;

    /// <summary>Sizes of axes 0 (slowest) … 3 (fastest).</summary>
    public long Size0, Size1, Size2, Size3;

    /// <summary>A's element strides along axes 0 … 3.</summary>
    public long AStride0, AStride1, AStride2, AStride3;

    /// <summary>B's element strides along axes 0 … 3.</summary>
    public long BStride0, BStride1, BStride2, BStride3;

    /// <summary>C's element strides along axes 0 … 3.</summary>
    public long CStride0, CStride1, CStride2, CStride3;

    /// <summary>A layout from the batch axes' sizes and the operands' strides along them, slowest axis first.</summary>
    /// <param name="sizes">Size of each batch axis (at most <see cref="MaxAxes"/>, each ≥ 1).</param>
    /// <param name="aStrides">A's stride along each axis (≥ 0).</param>
    /// <param name="bStrides">B's stride along each axis (≥ 0).</param>
    /// <param name="cStrides">C's stride along each axis (≥ 0; the C matrices must not overlap).</param>
    /// <exception cref="ArgumentException">The spans differ in length or hold more than <see cref="MaxAxes"/> axes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 or a stride is negative.</exception>
    public static GemmBatchLayout Create(ReadOnlySpan<long> sizes, ReadOnlySpan<long> aStrides, ReadOnlySpan<long> bStrides,
        ReadOnlySpan<long> cStrides)
    {
        int rank = sizes.Length;
        if (rank > MaxAxes || aStrides.Length != rank || bStrides.Length != rank || cStrides.Length != rank)
            throw new ArgumentException(
                $"GemmBatchLayout: needs at most {MaxAxes} axes and one stride per axis for each operand, got sizes [{string.Join(", ", sizes.ToArray())}] " +
                $"with {aStrides.Length}, {bStrides.Length} and {cStrides.Length} strides.");
        Span<long> size = [1, 1, 1, 1], a = [0, 0, 0, 0], b = [0, 0, 0, 0], c = [0, 0, 0, 0];
        for (int d = 0; d < rank; d++)
        {
            int at = MaxAxes - rank + d;
            if (sizes[d] < 1)
                throw new ArgumentOutOfRangeException(nameof(sizes), sizes[d], $"GemmBatchLayout: batch axis {d} has size {sizes[d]}; sizes must be at least 1.");
            if (aStrides[d] < 0 || bStrides[d] < 0 || cStrides[d] < 0)
                throw new ArgumentOutOfRangeException(nameof(aStrides), $"GemmBatchLayout: batch axis {d} has a negative stride (A {aStrides[d]}, B {bStrides[d]}, C {cStrides[d]}).");
            (size[at], a[at], b[at], c[at]) = (sizes[d], aStrides[d], bStrides[d], cStrides[d]);
        }
        return new GemmBatchLayout
        {
            Rank = rank,
            Size0 = size[0], Size1 = size[1], Size2 = size[2], Size3 = size[3],
            AStride0 = a[0], AStride1 = a[1], AStride2 = a[2], AStride3 = a[3],
            BStride0 = b[0], BStride1 = b[1], BStride2 = b[2], BStride3 = b[3],
            CStride0 = c[0], CStride1 = c[1], CStride2 = c[2], CStride3 = c[3],
        };
    }

    /// <summary>Number of batch items: the product of the sizes (1 for rank 0).</summary>
    public readonly long Items => Rank == 0 ? 1 : Size0 * Size1 * Size2 * Size3;

    /// <summary>The largest offset an operand's items start at, for range checks: Σ (size_d − 1)·stride_d.</summary>
    internal readonly long LastOffset(char operand) => operand switch
    {
        'A' => Offset(Items - 1, AStride0, AStride1, AStride2, AStride3),
        'B' => Offset(Items - 1, BStride0, BStride1, BStride2, BStride3),
        _ => Offset(Items - 1, CStride0, CStride1, CStride2, CStride3),
    };

    /// <summary>Item <paramref name="item"/>'s A(0,0) relative to the launch's A offset.</summary>
    internal readonly long AOffset(long item) => Offset(item, AStride0, AStride1, AStride2, AStride3);

    /// <summary>Item <paramref name="item"/>'s B(0,0) relative to the launch's B offset.</summary>
    internal readonly long BOffset(long item) => Offset(item, BStride0, BStride1, BStride2, BStride3);

    /// <summary>Item <paramref name="item"/>'s C(0,0) relative to the launch's C offset.</summary>
    internal readonly long COffset(long item) => Offset(item, CStride0, CStride1, CStride2, CStride3);

    /// <summary>Σ index_d(item)·stride_d, the fastest axis last; non-negative strides only, so the last item reaches furthest.</summary>
    private readonly long Offset(long item, long s0, long s1, long s2, long s3)
    {
        if (Rank == 0) return 0;
        long offset = item % Size3 * s3;
        item /= Size3;
        offset += item % Size2 * s2;
        item /= Size2;
        offset += item % Size1 * s1;
        return offset + item / Size1 * s0;
    }
}
