using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>The convolution kernels of one element type, loaded (compiled) once per accelerator on first use.</summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class ConvKernels<T> where T : unmanaged, INumber<T>
{
    private static readonly ConditionalWeakTable<Accelerator, ConvKernels<T>> PerAccelerator = new();

    private readonly Lazy<Action<KernelConfig, ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>> _forward, _backwardData, _backwardWeight;
    private readonly Lazy<Action<Index1D, ArrayView<T>, ArrayView<T>, long, int>> _sumSplits;

    private ConvKernels(Accelerator accelerator)
    {
        _forward = new(() => accelerator.LoadStreamKernel<ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(
            ImplicitGemmKernel.Run<T, ForwardPass<T>>));
        _backwardData = new(() => accelerator.LoadStreamKernel<ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(
            ImplicitGemmKernel.Run<T, BackwardDataPass<T>>));
        _backwardWeight = new(() => accelerator.LoadStreamKernel<ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(
            ImplicitGemmKernel.Run<T, BackwardWeightPass<T>>));
        _sumSplits = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, long, int>(SumSplits));
    }

    /// <summary>The kernels of <paramref name="accelerator"/>, loading them the first time.</summary>
    public static ConvKernels<T> For(Accelerator accelerator) =>
        PerAccelerator.GetValue(accelerator, static created => new ConvKernels<T>(created));

    /// <summary>The forward implicit GEMM (<see cref="ForwardPass{T}"/>).</summary>
    public Action<KernelConfig, ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>> Forward => _forward.Value;

    /// <summary>The input-gradient implicit GEMM (<see cref="BackwardDataPass{T}"/>).</summary>
    public Action<KernelConfig, ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>> BackwardData => _backwardData.Value;

    /// <summary>The weight-gradient implicit GEMM (<see cref="BackwardWeightPass{T}"/>).</summary>
    public Action<KernelConfig, ConvProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>> BackwardWeight => _backwardWeight.Value;

    /// <summary>dw[e] = Σ_s partials[s·size + e], s in order (grid-stride over e).</summary>
    public Action<Index1D, ArrayView<T>, ArrayView<T>, long, int> SumSplitsKernel => _sumSplits.Value;

    // The splits are added in a fixed order by one thread per element: the result does not depend on scheduling.
    private static void SumSplits(Index1D thread, ArrayView<T> partials, ArrayView<T> dw, long size, int splits)
    {
        long threads = GridStride.Threads(size);
        for (long e = thread; e < size; e += threads)
        {
            T sum = partials[e];
            for (int s = 1; s < splits; s++) sum += partials[s * size + e];
            dw[e] = sum;
        }
    }
}
