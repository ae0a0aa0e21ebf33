using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// One kernel compiled once per accelerator: loading compiles, so the first call on an accelerator loads and
/// every later call reuses the delegate; the entry dies with its accelerator.
/// </summary>
/// <typeparam name="TDelegate">The launcher delegate ILGPU returns.</typeparam>
internal sealed class LoadedKernel<TDelegate>(Func<Accelerator, TDelegate> load) where TDelegate : class
{
    private readonly ConditionalWeakTable<Accelerator, TDelegate> _loaded = new();

    /// <summary>The kernel loaded on <paramref name="accelerator"/>.</summary>
    public TDelegate On(Accelerator accelerator) => _loaded.GetValue(accelerator, a => load(a));
}

/// <summary>Launch sizes of the grid-stride loops: each thread walks i, i + threads, … over the elements.</summary>
internal static class GridStride
{
    // Enough threads to fill any current GPU several times over; the loop covers the rest (and sizes ≥ 2^31).
    private const long MaxThreads = 1L << 21;

    /// <summary>The number of threads to launch for <paramref name="count"/> elements.</summary>
    public static int Threads(long count) => (int)Math.Min(count, MaxThreads);
}

/// <summary>Picks the float or double instantiation of a generic kernel for the element type T.</summary>
internal static class ElementType
{
    /// <summary>The float kernel when T is float, the double one when T is double; throws otherwise.</summary>
    public static TDelegate Pick<T, TDelegate>(Accelerator accelerator, string kernel, Func<Accelerator, object> forFloat, Func<Accelerator, object> forDouble)
        where TDelegate : class
    {
        if (typeof(T) == typeof(float)) return (TDelegate)forFloat(accelerator);
        if (typeof(T) == typeof(double)) return (TDelegate)forDouble(accelerator);
        throw new NotSupportedException($"{kernel} supports float and double, not {typeof(T).FullName}.");
    }
}
