using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The dropout mask drawn on the device, bit for bit as the CPU's <see cref="BernoulliMask"/>: element i is
/// <c>scale</c> where its <see cref="CounterHash"/> bits u(key, i) ≥ <see cref="BernoulliMask.Threshold"/>(p), else 0.
/// Nothing crosses from the host but the key and two constants.
/// </summary>
public static class GpuBernoulliMask
{
    /// <summary>Enqueues the mask fill (synchronize before reading it on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the view.</param>
    /// <param name="mask">The mask; every element is written.</param>
    /// <param name="key">The stream's key (one per mask).</param>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="scale">The value of a kept element, converted to T as the CPU converts it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Fill<T>(Accelerator accelerator, ArrayView<T> mask, ulong key, double p, double scale) where T : unmanaged
    {
        const string kernel = "GpuBernoulliMask.Fill";
        ArgumentNullException.ThrowIfNull(accelerator);
        ulong threshold = BernoulliMask.Threshold(p);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, long, ulong, ulong, T>>(accelerator, kernel,
            BernoulliMaskKernel<float>.Loaded.On, BernoulliMaskKernel<double>.Loaded.On);
        long n = mask.Length;
        if (n == 0) return;
        long pairs = (n + 1) / 2;
        launch(GridStride.Threads(pairs), mask, n, key, threshold, Scale<T>(scale));
    }

    private static T Scale<T>(double scale) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)scale : (T)(object)scale;
}

/// <summary>
/// One thread per counter (pair of elements) in a grid-stride loop: one hash, two stores. Integer work only, so it
/// compiles the same on CUDA and OpenCL.
/// </summary>
internal static class BernoulliMaskKernel<T> where T : unmanaged
{
    public static readonly LoadedKernel<Action<Index1D, ArrayView<T>, long, ulong, ulong, T>> Loaded =
        new(a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, long, ulong, ulong, T>(Kernel));

    internal static void Kernel(Index1D thread, ArrayView<T> mask, long n, ulong key, ulong threshold, T scale)
    {
        long pairs = (n + 1) / 2;
        long threads = GridStride.Threads(pairs);
        for (long c = thread; c < pairs; c += threads)
        {
            ulong bits = CounterHash.Pair(key, c);
            long i = 2 * c;
            mask[i] = (bits & 0xFFFFFFFFUL) >= threshold ? scale : default;
            if (i + 1 < n) mask[i + 1] = (bits >> 32) >= threshold ? scale : default;
        }
    }
}
