using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// The GEMM kernels of one element type, loaded (that is, compiled) once per accelerator on first use and
/// kept for as long as the accelerator lives.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class GemmKernels<T> where T : unmanaged, INumber<T>
{
    private static readonly ConditionalWeakTable<Accelerator, GemmKernels<T>> PerAccelerator = new();

    private readonly Lazy<Action<KernelConfig, GemmProblem<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>>> _tiled;

    private readonly Lazy<Action<KernelConfig, GemmProblem<T>, int, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>>> _blocked;

    private readonly Lazy<Action<Index3D, GemmProblem<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>>> _reference;

    private GemmKernels(Accelerator accelerator)
    {
        _tiled = new(() => accelerator.LoadStreamKernel<GemmProblem<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>,
            ArrayView<long>, ArrayView<long>, ArrayView<long>>(TiledGemmKernel.Run));
        _blocked = new(() => accelerator.LoadStreamKernel<GemmProblem<T>, int, ArrayView<T>, ArrayView<T>, ArrayView<T>,
            ArrayView<long>, ArrayView<long>, ArrayView<long>>(BlockedGemmKernel.Run));
        _reference = new(() => accelerator.LoadAutoGroupedStreamKernel<Index3D, GemmProblem<T>, ArrayView<T>,
            ArrayView<T>, ArrayView<T>, ArrayView<long>, ArrayView<long>, ArrayView<long>>(ReferenceGemmKernel.Run));
    }

    /// <summary>The kernels of <paramref name="accelerator"/>, loading them the first time.</summary>
    public static GemmKernels<T> For(Accelerator accelerator) =>
        PerAccelerator.GetValue(accelerator, static created => new GemmKernels<T>(created));

    /// <summary>The shared-memory tiled kernel (<see cref="TiledGemmKernel"/>), launched with an explicit grid.</summary>
    public Action<KernelConfig, GemmProblem<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>> Tiled => _tiled.Value;

    /// <summary>The 128×128-tile double-buffered kernel (<see cref="BlockedGemmKernel"/>); the int is its vector-load flags.</summary>
    public Action<KernelConfig, GemmProblem<T>, int, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>> Blocked => _blocked.Value;

    /// <summary>The one-thread-per-element kernel (<see cref="ReferenceGemmKernel"/>).</summary>
    public Action<Index3D, GemmProblem<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>,
        ArrayView<long>, ArrayView<long>, ArrayView<long>> Reference => _reference.Value;
}
