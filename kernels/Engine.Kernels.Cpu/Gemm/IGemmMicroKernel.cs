namespace Engine.Kernels.Cpu;

/// <summary>
/// A GEMM micro-kernel: multiplies an Mr×kc sliver of packed A by a kc×Nr sliver of packed B and writes the
/// full Mr×Nr tile as C = alpha·(A·B) + beta·C. Implemented by structs so the generic driver is specialised
/// (and the kernel inlined) per kernel.
/// </summary>
/// <remarks>
/// Packed A holds element (i, p) of the sliver at packedA[p*Mr + i]; packed B holds (p, j) at packedB[p*Nr + j].
/// When beta is zero, C must not be read (it may hold NaN). The beta≠0 store must compute
/// FusedMultiplyAdd(acc, alpha, beta*c) so that edge tiles (written by the driver) round identically.
/// </remarks>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged
{
    /// <summary>Rows of the tile.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the tile.</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// Rows of the short tile (at most <see cref="Mr"/>) that covers the last rows of a block when their count is
    /// not a multiple of Mr, so they are not computed as a full Mr-row tile: m = 128 on a 6-row kernel runs as
    /// 20 tiles of 6 and two of 4 instead of 22 tiles of 6, the last one two-thirds padding.
    /// </summary>
    static abstract int ShortMr { get; }

    /// <summary>Cache blocking tuned for this kernel.</summary>
    static abstract GemmBlocking Blocking { get; }

    /// <summary>Computes one full Mr×Nr tile of C (row stride <paramref name="ldc"/>).</summary>
    static abstract void Multiply(int kc, T* packedA, T* packedB, T* c, long ldc, T alpha, T beta);

    /// <summary>
    /// <see cref="Multiply"/> for a full <see cref="ShortMr"/>×Nr tile, from a packed A sliver of width ShortMr.
    /// Each element sees the same FMA sequence as in <see cref="Multiply"/>, so results are bitwise the same.
    /// </summary>
    static abstract void MultiplyShort(int kc, T* packedA, T* packedB, T* c, long ldc, T alpha, T beta);

    /// <summary>
    /// <see cref="Multiply"/> with A read in place instead of packed: element (i, p) of the Mr×kc sliver is
    /// a[i*lda + p] (unit column stride). Rounds exactly as <see cref="Multiply"/> (same FMA order).
    /// </summary>
    static abstract void MultiplyRows(int kc, T* a, long lda, T* packedB, T* c, long ldc, T alpha, T beta);

    /// <summary>
    /// <see cref="Multiply"/> with column-major A read in place: element (i, p) of the sliver is a[i + p*lda]
    /// (unit row stride). Rounds exactly as <see cref="Multiply"/>.
    /// </summary>
    static abstract void MultiplyColumns(int kc, T* a, long lda, T* packedB, T* c, long ldc, T alpha, T beta);
}
