namespace Engine.Kernels.Cpu;

/// <summary>A read-only view of a matrix stored anywhere in memory: element (i, j) is at Data[i*RowStride + j*ColStride].</summary>
internal readonly unsafe struct StridedMatrix<T>(T* data, long rowStride, long colStride) where T : unmanaged
{
    public readonly T* Data = data;
    public readonly long RowStride = rowStride;
    public readonly long ColStride = colStride;

    public T* At(long row, long col) => Data + row * RowStride + col * ColStride;

    /// <summary>The sub-matrix whose top-left corner is (row, col).</summary>
    public StridedMatrix<T> From(long row, long col) => new(At(row, col), RowStride, ColStride);

    /// <summary>The same layout starting <paramref name="elements"/> further on (a batch item's matrix).</summary>
    public StridedMatrix<T> Offset(long elements) => new(Data + elements, RowStride, ColStride);

    /// <summary>The transpose, same memory: element (i, j) of the result is element (j, i) of this.</summary>
    public StridedMatrix<T> Transpose() => new(Data, ColStride, RowStride);

    /// <summary>The same memory seen as TTo, for handing a generic view to a type-specific kernel.</summary>
    public StridedMatrix<TTo> As<TTo>() where TTo : unmanaged => new((TTo*)Data, RowStride, ColStride);
}
