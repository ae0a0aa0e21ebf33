using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The two per-tile transforms of Winograd F(2×2, 3×3) over one row of tiles, with the tiles along the contiguous
/// axis so the vector paths work on several tiles at once. Rows of the padded input are stored deinterleaved
/// (even columns, odd columns), so tile t's 4×4 input columns 2t … 2t+3 are even[t], odd[t], even[t+1], odd[t+1].
/// </summary>
/// <remarks>
/// A path may process whole vectors past <c>count</c>: it then reads up to <see cref="Slack"/> elements past the
/// row's last tile and writes as far past the last output; callers leave that room and overwrite the excess later.
/// </remarks>
internal unsafe interface IWinogradTiles<T> where T : unmanaged
{
    /// <summary>Elements a call may read or write past <c>count</c> (the widest vector: 16 floats).</summary>
    const int Slack = 16;

    /// <summary>
    /// V = Bᵀ·d·B for <paramref name="count"/> tiles whose rows start at <paramref name="even"/> and
    /// <paramref name="odd"/> (row r at +r·<paramref name="rowStride"/>); V[ξ] of tile t goes to v[ξ·xiStride + t].
    /// </summary>
    static abstract void Input(T* even, T* odd, long rowStride, int count, T* v, long xiStride);

    /// <summary>
    /// Y = Aᵀ·M·A for <paramref name="count"/> tiles, M[ξ] of tile t at m[ξ·xiStride + t]; output (a, b) of tile t
    /// goes to y[(2a + b)·yStride + t].
    /// </summary>
    static abstract void Output(T* m, long xiStride, int count, T* y, long yStride);
}

/// <summary>The scalar transforms: the reference the vector paths are tested against.</summary>
internal readonly unsafe struct WinogradTilesScalar<T> : IWinogradTiles<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(T* even, T* odd, long rowStride, int count, T* v, long xiStride)
    {
        T* u = stackalloc T[16];
        for (int t = 0; t < count; t++)
        {
            for (int r = 0; r < 4; r++)
            {
                T e0 = even[r * rowStride + t], o0 = odd[r * rowStride + t];
                T e1 = even[r * rowStride + t + 1], o1 = odd[r * rowStride + t + 1];
                u[4 * r] = e0 - e1;
                u[4 * r + 1] = o0 + e1;
                u[4 * r + 2] = e1 - o0;
                u[4 * r + 3] = o0 - o1;
            }
            for (int j = 0; j < 4; j++)
            {
                v[j * xiStride + t] = u[j] - u[8 + j];
                v[(4 + j) * xiStride + t] = u[4 + j] + u[8 + j];
                v[(8 + j) * xiStride + t] = u[8 + j] - u[4 + j];
                v[(12 + j) * xiStride + t] = u[4 + j] - u[12 + j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(T* m, long xiStride, int count, T* y, long yStride)
    {
        T* s = stackalloc T[8];
        for (int t = 0; t < count; t++)
        {
            for (int j = 0; j < 4; j++)
            {
                T m0 = m[j * xiStride + t], m1 = m[(4 + j) * xiStride + t];
                T m2 = m[(8 + j) * xiStride + t], m3 = m[(12 + j) * xiStride + t];
                s[j] = m0 + m1 + m2;
                s[4 + j] = m1 - m2 - m3;
            }
            for (int a = 0; a < 2; a++)
            {
                y[2 * a * yStride + t] = s[4 * a] + s[4 * a + 1] + s[4 * a + 2];
                y[(2 * a + 1) * yStride + t] = s[4 * a + 1] - s[4 * a + 2] - s[4 * a + 3];
            }
        }
    }
}

/// <summary>The transforms on <typeparamref name="TV"/> vectors of tiles; the last vector of a row runs past its end.</summary>
internal readonly unsafe struct WinogradTilesVector<T, TV, TS> : IWinogradTiles<T>
    where T : unmanaged where TV : struct where TS : ISimd<TV, T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(T* even, T* odd, long rowStride, int count, T* v, long xiStride)
    {
        for (int t = 0; t < count; t += TS.Count)
        {
            // Bᵀ·d along each row (u_r), then across the rows: V[i, j] from u_0j … u_3j.
            Row(even + t, odd + t, out TV u00, out TV u01, out TV u02, out TV u03);
            Row(even + 2 * rowStride + t, odd + 2 * rowStride + t, out TV u20, out TV u21, out TV u22, out TV u23);
            T* at = v + t;
            TS.Store(at, TS.Sub(u00, u20));
            TS.Store(at + xiStride, TS.Sub(u01, u21));
            TS.Store(at + 2 * xiStride, TS.Sub(u02, u22));
            TS.Store(at + 3 * xiStride, TS.Sub(u03, u23));
            Row(even + rowStride + t, odd + rowStride + t, out TV u10, out TV u11, out TV u12, out TV u13);
            TS.Store(at + 4 * xiStride, TS.Add(u10, u20));
            TS.Store(at + 5 * xiStride, TS.Add(u11, u21));
            TS.Store(at + 6 * xiStride, TS.Add(u12, u22));
            TS.Store(at + 7 * xiStride, TS.Add(u13, u23));
            TS.Store(at + 8 * xiStride, TS.Sub(u20, u10));
            TS.Store(at + 9 * xiStride, TS.Sub(u21, u11));
            TS.Store(at + 10 * xiStride, TS.Sub(u22, u12));
            TS.Store(at + 11 * xiStride, TS.Sub(u23, u13));
            Row(even + 3 * rowStride + t, odd + 3 * rowStride + t, out TV u30, out TV u31, out TV u32, out TV u33);
            TS.Store(at + 12 * xiStride, TS.Sub(u10, u30));
            TS.Store(at + 13 * xiStride, TS.Sub(u11, u31));
            TS.Store(at + 14 * xiStride, TS.Sub(u12, u32));
            TS.Store(at + 15 * xiStride, TS.Sub(u13, u33));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(T* even, T* odd, out TV u0, out TV u1, out TV u2, out TV u3)
    {
        TV e0 = TS.Load(even), o0 = TS.Load(odd), e1 = TS.Load(even + 1), o1 = TS.Load(odd + 1);
        u0 = TS.Sub(e0, e1);
        u1 = TS.Add(o0, e1);
        u2 = TS.Sub(e1, o0);
        u3 = TS.Sub(o0, o1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(T* m, long xiStride, int count, T* y, long yStride)
    {
        for (int t = 0; t < count; t += TS.Count)
        {
            // Aᵀ·M down each column j (s0j, s1j), then along the rows.
            Column(m + t, xiStride, out TV s00, out TV s10);
            Column(m + xiStride + t, xiStride, out TV s01, out TV s11);
            Column(m + 2 * xiStride + t, xiStride, out TV s02, out TV s12);
            Column(m + 3 * xiStride + t, xiStride, out TV s03, out TV s13);
            TS.Store(y + t, TS.Add(TS.Add(s00, s01), s02));
            TS.Store(y + yStride + t, TS.Sub(TS.Sub(s01, s02), s03));
            TS.Store(y + 2 * yStride + t, TS.Add(TS.Add(s10, s11), s12));
            TS.Store(y + 3 * yStride + t, TS.Sub(TS.Sub(s11, s12), s13));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(T* m, long xiStride, out TV s0, out TV s1)
    {
        TV m0 = TS.Load(m), m1 = TS.Load(m + 4 * xiStride), m2 = TS.Load(m + 8 * xiStride), m3 = TS.Load(m + 12 * xiStride);
        s0 = TS.Add(TS.Add(m0, m1), m2);
        s1 = TS.Sub(TS.Sub(m1, m2), m3);
    }
}
