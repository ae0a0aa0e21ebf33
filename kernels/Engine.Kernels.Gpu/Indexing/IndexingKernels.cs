using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>y[k] += v with the device's atomic add for one element type.</summary>
internal interface IGpuAtomicAdd<T> where T : unmanaged
{
    /// <summary>Atomically adds <paramref name="value"/> to y[k].</summary>
    void Add(ArrayView<T> y, long k, T value);
}

/// <summary>float atomic add, the device's own (native on CUDA; ILGPU emulates it elsewhere).</summary>
internal readonly struct FloatAtomicAdd : IGpuAtomicAdd<float>
{
    public void Add(ArrayView<float> y, long k, float value) => Atomic.Add(ref y[k], value);
}

/// <summary>double atomic add (emulated with compare-and-swap where the device has no native one).</summary>
internal readonly struct DoubleAtomicAdd : IGpuAtomicAdd<double>
{
    public void Add(ArrayView<double> y, long k, double value) => Atomic.Add(ref y[k], value);
}

/// <summary>
/// float atomic add as a compare-and-swap loop that compares the bits: ILGPU's emulation (OpenCL, the CPU
/// simulator) compares the floats, so it never leaves the loop once the target is NaN.
/// </summary>
internal readonly struct FloatBitwiseAtomicAdd : IGpuAtomicAdd<float>
{
    public void Add(ArrayView<float> y, long k, float value)
    {
        ArrayView<uint> bits = y.Cast<uint>();
        uint seen = bits[k], assumed;
        do
        {
            assumed = seen;
            seen = Atomic.CompareExchange(ref bits[k], assumed, Interop.FloatAsInt(Interop.IntAsFloat(assumed) + value));
        }
        while (seen != assumed);
    }
}

/// <summary>double atomic add as a compare-and-swap loop that compares the bits (see <see cref="FloatBitwiseAtomicAdd"/>).</summary>
internal readonly struct DoubleBitwiseAtomicAdd : IGpuAtomicAdd<double>
{
    public void Add(ArrayView<double> y, long k, double value)
    {
        ArrayView<ulong> bits = y.Cast<ulong>();
        ulong seen = bits[k], assumed;
        do
        {
            assumed = seen;
            seen = Atomic.CompareExchange(ref bits[k], assumed, Interop.FloatAsInt(Interop.IntAsFloat(assumed) + value));
        }
        while (seen != assumed);
    }
}

/// <summary>int atomic add.</summary>
internal readonly struct IntAtomicAdd : IGpuAtomicAdd<int>
{
    public void Add(ArrayView<int> y, long k, int value) => Atomic.Add(ref y[k], value);
}

/// <summary>
/// The [outer, count, inner] walk shared by gather and scatter-add: element l of the index (and of y or src) is
/// (o, j, i); its partner in the [outer, axisLength, inner] operand is (o, index[l], i). An index outside
/// [0, axisLength) is not used: the first thread to fault claims the cell by a compare-and-swap of
/// <c>fault[0]</c> from 0 to its position + 1 and then stores the index value in <c>fault[1]</c> and the launch's
/// number in <c>fault[2]</c>, so the three always describe one fault, and a later launch never overwrites an
/// earlier one that has not been read yet (see <see cref="IndexFaultCell"/>).
/// </summary>
internal static class IndexWalk
{
    /// <summary>The element of the [outer, axisLength, inner] operand that element l pairs with, or −1 when index[l] is out of range.</summary>
    public static long Partner(long l, int at, long count, long axisLength, long inner, ArrayView<long> fault, long launch)
    {
        if (at < 0 || at >= axisLength)
        {
            if (Atomic.CompareExchange(ref fault[0], 0L, l + 1) == 0L)
            {
                fault[1] = at;
                fault[2] = launch;
            }
            return -1;
        }
        long i = l % inner, o = l / inner / count;
        return (o * axisLength + at) * inner + i;
    }
}

/// <summary>Gather for any element type: a copy, no arithmetic.</summary>
internal static class GatherKernel<T> where T : unmanaged
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<long>, long, long, long, long, long>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<long>, long, long, long, long, long>(Kernel));

    internal static void Kernel(Index1D thread, ArrayView<T> x, ArrayView<int> index, ArrayView<T> y, ArrayView<long> fault,
        long total, long count, long axisLength, long inner, long launch)
    {
        long threads = GridStride.Threads(total);
        for (long l = thread; l < total; l += threads)
        {
            long from = IndexWalk.Partner(l, index[l], count, axisLength, inner, fault, launch);
            if (from >= 0) y[l] = x[from];
        }
    }
}

/// <summary>Scatter-add for one element type: repeated indices meet through atomic adds.</summary>
internal static class ScatterAddKernel<T, TAtomic> where T : unmanaged where TAtomic : struct, IGpuAtomicAdd<T>
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<long>, long, long, long, long, long>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<int>, ArrayView<T>, ArrayView<long>, long, long, long, long, long>(Kernel));

    internal static void Kernel(Index1D thread, ArrayView<T> y, ArrayView<int> index, ArrayView<T> src, ArrayView<long> fault,
        long total, long count, long axisLength, long inner, long launch)
    {
        TAtomic atomic = default;
        long threads = GridStride.Threads(total);
        for (long l = thread; l < total; l += threads)
        {
            long to = IndexWalk.Partner(l, index[l], count, axisLength, inner, fault, launch);
            if (to >= 0) atomic.Add(y, to, src[l]);
        }
    }
}
