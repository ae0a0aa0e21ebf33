using System.Numerics;
using ILGPU;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The sizes, strides, base offsets and scalars of one (batched) GEMM launch, passed to the kernels as one
/// value: ILGPU kernels take only unmanaged values and views, and one struct keeps the parameter lists short.
/// </summary>
/// <remarks>
/// Public only because ILGPU's CPU simulator builds its launch code in a separate dynamic assembly that must
/// see the kernel's parameter types; callers use <see cref="GpuGemm"/>, which fills it in.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public struct GemmProblem<T> where T : unmanaged, INumber<T>
{
    /// <summary>Rows of A and C.</summary>
    public int M;

    /// <summary>Columns of B and C.</summary>
    public int N;

    /// <summary>Columns of A, rows of B.</summary>
    public int K;

    /// <summary>Element index of A(0,0) (added to the per-item batch offset).</summary>
    public long AOffset;

    /// <summary>Elements between A(i,p) and A(i+1,p).</summary>
    public long ARowStride;

    /// <summary>Elements between A(i,p) and A(i,p+1).</summary>
    public long AColStride;

    /// <summary>Element index of B(0,0) (added to the per-item batch offset).</summary>
    public long BOffset;

    /// <summary>Elements between B(p,j) and B(p+1,j).</summary>
    public long BRowStride;

    /// <summary>Elements between B(p,j) and B(p,j+1).</summary>
    public long BColStride;

    /// <summary>Element index of C(0,0) (added to the per-item batch offset).</summary>
    public long COffset;

    /// <summary>Elements between C(i,j) and C(i+1,j).</summary>
    public long Ldc;

    /// <summary>Scale of the product A·B.</summary>
    public T Alpha;

    /// <summary>Scale of the old C; zero means C is not read.</summary>
    public T Beta;

    /// <summary>Index of the batch item the launch's first item (grid z = 0) stands for; launches are split in chunks.</summary>
    public long FirstItem;

    /// <summary>The batch axes when the items' offsets are computed from strides (no offset tables); rank 0 otherwise.</summary>
    public GemmBatchLayout Batch;

    /// <summary>Element index of item <paramref name="item"/>'s A(0,0): the base offset plus its batch offset, from the table or the layout.</summary>
    internal readonly long ABase(long item, ArrayView<long> aOffsets) => AOffset + (aOffsets.Length > 0 ? aOffsets[item] : Batch.AOffset(item));

    /// <summary>Element index of item <paramref name="item"/>'s B(0,0).</summary>
    internal readonly long BBase(long item, ArrayView<long> bOffsets) => BOffset + (bOffsets.Length > 0 ? bOffsets[item] : Batch.BOffset(item));

    /// <summary>Element index of item <paramref name="item"/>'s C(0,0).</summary>
    internal readonly long CBase(long item, ArrayView<long> cOffsets) => COffset + (cOffsets.Length > 0 ? cOffsets[item] : Batch.COffset(item));

    /// <summary>
    /// Writes the four sums of <paramref name="sums"/> to C(i, j), C(i, j + step), C(i, j + 2·step), C(i, j + 3·step),
    /// those that lie inside C: the bounds-checked store of the kernels' register tiles.
    /// </summary>
    internal readonly void StoreQuad(ArrayView<T> c, long cBase, int i, int j, int step, Quad<T> sums)
    {
        if (i >= M) return;
        long row = cBase + i * Ldc;
        if (j < N) Store(c, row + j, sums.V0);
        if (j + step < N) Store(c, row + j + step, sums.V1);
        if (j + 2 * step < N) Store(c, row + j + 2 * step, sums.V2);
        if (j + 3 * step < N) Store(c, row + j + 3 * step, sums.V3);
    }

    /// <summary>Writes C = alpha·sum + beta·C at <paramref name="index"/>; when beta is zero the old C is never read (it may be NaN).</summary>
    internal readonly void Store(ArrayView<T> c, long index, T sum)
    {
        if (Beta == T.Zero) c[index] = Alpha * sum;
        else c[index] = Alpha * sum + Beta * c[index];
    }
}
