using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Fills a dropout mask from a <see cref="CounterHash"/> stream: element i is <c>scale</c> where it is kept and 0
/// where it is dropped; it is kept iff its 32 random bits u(key, i) ≥ <see cref="Threshold"/>(p) = round(p·2^32),
/// i.e. with probability 1 − p (to within 2^-33). The comparison is in integers, so the CPU and GPU kernels agree bit
/// for bit, and each element depends only on (key, i), so neither the thread count nor the ISA path changes the mask.
/// </summary>
/// <remarks>Element types: <see cref="float"/> and <see cref="double"/>; the scale is converted to T once.</remarks>
public static unsafe class BernoulliMask
{
    // Below this many elements a parallel loop costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    /// <summary>2^32: the threshold at which no 32-bit draw is kept (p = 1).</summary>
    public const ulong NoneKept = 1UL << 32;

    /// <summary>round(p·2^32), the smallest 32-bit draw that keeps an element (2^32: none is kept).</summary>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <returns>The threshold, in [0, 2^32].</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    public static ulong Threshold(double p)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"BernoulliMask: the drop probability p must be in [0, 1], got {p}.");
        // p·2^32 is exact in double; rounding is the only step, the same on every device.
        return (ulong)Math.Round(p * NoneKept, MidpointRounding.ToEven);
    }

    /// <summary>The mask on <see cref="IsaDispatch.Active"/>; see the overload with a path.</summary>
    public static void Fill<T>(T* mask, long count, ulong key, double p, double scale) where T : unmanaged =>
        Fill(mask, count, key, p, scale, IsaDispatch.Active);

    /// <summary>
    /// mask[i] = scale (as T) where u(key, i) ≥ <see cref="Threshold"/>(p), else 0, for i in [0, count);
    /// split over <see cref="KernelThreads"/>.
    /// </summary>
    /// <param name="mask">The mask, <paramref name="count"/> contiguous elements.</param>
    /// <param name="count">The number of elements.</param>
    /// <param name="key">The stream's key (one per mask).</param>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="scale">The value of a kept element.</param>
    /// <param name="isa">The instruction-set path.</param>
    /// <exception cref="ArgumentException">A negative count or a null mask with elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Fill<T>(T* mask, long count, ulong key, double p, double scale, CpuIsa isa) where T : unmanaged
    {
        const string kernel = "BernoulliMask.Fill";
        Check(kernel, mask, count);
        ulong threshold = Threshold(p);
        IsaDispatch.Take(isa, kernel);
        if (typeof(T) == typeof(float)) FillOn(isa, (float*)mask, count, key, threshold, (float)scale);
        else if (typeof(T) == typeof(double)) FillOn(isa, (double*)mask, count, key, threshold, scale);
        else throw new NotSupportedException($"{kernel} supports float and double, not {typeof(T).FullName}.");
    }

    /// <summary>The reference: element by element from <see cref="CounterHash.Bits"/>, on one thread (the definition the paths are tested against).</summary>
    /// <param name="mask">The mask, <paramref name="count"/> contiguous elements.</param>
    /// <param name="count">The number of elements.</param>
    /// <param name="key">The stream's key.</param>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="scale">The value of a kept element.</param>
    /// <exception cref="ArgumentException">A negative count or a null mask with elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Reference<T>(T* mask, long count, ulong key, double p, double scale) where T : unmanaged
    {
        const string kernel = "BernoulliMask.Reference";
        Check(kernel, mask, count);
        ulong threshold = Threshold(p);
        if (typeof(T) == typeof(float)) FillEach((float*)mask, count, key, threshold, (float)scale);
        else if (typeof(T) == typeof(double)) FillEach((double*)mask, count, key, threshold, scale);
        else throw new NotSupportedException($"{kernel} supports float and double, not {typeof(T).FullName}.");
    }

    private static void Check(string kernel, void* mask, long count)
    {
        if (count < 0) throw new ArgumentException($"{kernel}: count must be non-negative, got {count}.", nameof(count));
        if (count > 0 && mask == null) throw new ArgumentException($"{kernel}: mask is null for count {count}.", nameof(mask));
    }

    private static void FillOn<T>(CpuIsa isa, T* mask, long count, ulong key, ulong threshold, T scale) where T : unmanaged, INumberBase<T>
    {
        switch (isa)
        {
            case CpuIsa.Scalar: Split(count, (start, end) => FillScalar(mask, start, end, key, threshold, scale)); break;
            case CpuIsa.Avx2: Split(count, (start, end) => FillVector<T, Vector256<ulong>, RandomLanes256>(mask, start, end, key, threshold, scale)); break;
            default: Split(count, (start, end) => FillVector<T, Vector512<ulong>, RandomLanes512>(mask, start, end, key, threshold, scale)); break;
        }
    }

    /// <summary>Runs body over [start, end) element ranges that start on an even index (a whole pair).</summary>
    private static void Split(long count, Action<long, long> body)
    {
        long pairs = (count + 1) / 2;
        if (KernelThreads.Count == 1 || count < ParallelThreshold) body(0, count);
        else KernelThreads.ForRange(pairs, ParallelThreshold / 2, (first, last) => body(2 * first, Math.Min(count, 2 * last)));
    }

    /// <summary>The definition, element by element: the oracle the paths are tested against.</summary>
    private static void FillEach<T>(T* mask, long count, ulong key, ulong threshold, T scale) where T : unmanaged, INumberBase<T>
    {
        for (long i = 0; i < count; i++) mask[i] = CounterHash.Bits(key, i) >= threshold ? scale : T.Zero;
    }

    /// <summary>The scalar path from an even <paramref name="start"/>: one hash per pair of elements.</summary>
    private static void FillScalar<T>(T* mask, long start, long end, ulong key, ulong threshold, T scale) where T : unmanaged, INumberBase<T>
    {
        long i = start;
        for (; i + 2 <= end; i += 2)
        {
            ulong bits = CounterHash.Pair(key, i >> 1);
            mask[i] = (bits & uint.MaxValue) >= threshold ? scale : T.Zero;
            mask[i + 1] = (bits >> 32) >= threshold ? scale : T.Zero;
        }
        if (i < end) mask[i] = CounterHash.Bits(key, i) >= threshold ? scale : T.Zero;
    }

    private static void FillVector<T, TV, TLanes>(T* mask, long start, long end, ulong key, ulong threshold, T scale)
        where T : unmanaged, INumberBase<T> where TV : struct where TLanes : IRandomLanes<TV>
    {
        // 2^32 does not fit a 32-bit lane; the scalar path's 64-bit comparison keeps nothing, as it should.
        if (threshold >= NoneKept)
        {
            FillScalar(mask, start, end, key, threshold, scale);
            return;
        }
        long i = start;
        int span = 2 * TLanes.Pairs;
        TV state = TLanes.Start(key, start / 2);
        TV step = TLanes.Step;
        for (; i + span <= end; i += span)
        {
            TLanes.Store(mask + i, TLanes.Mix(state), (uint)threshold, scale);
            state = TLanes.Add(state, step);
        }
        FillScalar(mask, i, end, key, threshold, scale);
    }
}
