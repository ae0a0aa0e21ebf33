using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>An element widened to double, for sums accumulated in double whatever the element type.</summary>
internal interface IGpuWidening<T> where T : unmanaged
{
    /// <summary>x as a double (exact for float and double).</summary>
    double Widen(T x);
}

/// <summary>float widened to double.</summary>
internal readonly struct FloatWidening : IGpuWidening<float>
{
    public double Widen(float x) => x;
}

/// <summary>double as itself.</summary>
internal readonly struct DoubleWidening : IGpuWidening<double>
{
    public double Widen(double x) => x;
}

/// <summary>
/// Σ x² in double, as deterministic per-group partials: a fixed launch for a given length, each thread summing
/// its grid-stride elements in order, then a shared-memory tree per group (no warp shuffles); the host adds the
/// partials in group order.
/// </summary>
internal static class SumOfSquaresKernel<T, TWiden> where T : unmanaged where TWiden : struct, IGpuWidening<T>
{
    private const int GroupSize = SumOfSquaresGroups.GroupSize;

    public static readonly LoadedKernel<Action<KernelConfig, ArrayView<T>, ArrayView<double>, long>> Loaded =
        new(a => a.LoadStreamKernel<ArrayView<T>, ArrayView<double>, long>(Kernel));

    internal static void Kernel(ArrayView<T> x, ArrayView<double> partials, long n)
    {
        TWiden widen = default;
        var shared = SharedMemory.Allocate<double>(GroupSize);
        int thread = Group.IdxX;
        long stride = (long)Grid.DimX * GroupSize;
        double sum = 0;
        for (long i = (long)Grid.IdxX * GroupSize + thread; i < n; i += stride)
        {
            double v = widen.Widen(x[i]);
            sum += v * v;
        }
        shared[thread] = sum;
        Group.Barrier();
        for (int half = GroupSize / 2; half > 0; half /= 2)
        {
            if (thread < half) shared[thread] += shared[thread + half];
            Group.Barrier();
        }
        if (thread == 0) partials[Grid.IdxX] = shared[0];
    }
}

/// <summary>The launch of <see cref="SumOfSquaresKernel{T, TWiden}"/>, the same for every element type.</summary>
internal static class SumOfSquaresGroups
{
    /// <summary>Threads per group: a power of two, so the tree halves evenly.</summary>
    public const int GroupSize = 256;

    /// <summary>Most groups (and partials); longer inputs are walked by the grid-stride loop.</summary>
    public const int MaxGroups = 256;

    /// <summary>The number of groups (and partials) for <paramref name="n"/> elements.</summary>
    public static int Groups(long n) => (int)Math.Min(MaxGroups, (n + GroupSize - 1) / GroupSize);
}
