using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>
/// The GPU optimizer updates and clipping kernels against the CPU's scalar path (OptimizerUpdate and
/// GradientClipping on <see cref="CpuIsa.Scalar"/>), on the ILGPU CPU simulator: several steps in a row from the
/// same random parameters and gradients, every option combination, float and double, odd sizes.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed unsafe class GpuOptimizerTests(SimulatorFixture fixture)
{
    private const int Steps = 3;
    private readonly Accelerator _accelerator = fixture.Accelerator;

    /// <summary>One step on host arrays (an absent state is an empty array: a null pointer); step is 1-based.</summary>
    private delegate void CpuStep<T>(T* param, T* grad, T*[] states, long n, int step) where T : unmanaged;

    /// <summary>One step on device views (an absent state is an empty view).</summary>
    private delegate void GpuStep<T>(ArrayView<T> param, ArrayView<T> grad, ArrayView<T>[] states, int step) where T : unmanaged;

    public static TheoryData<double, double, double, bool> SgdOptions()
    {
        var data = new TheoryData<double, double, double, bool>();
        foreach (double momentum in new[] { 0.0, 0.9 })
            foreach (double dampening in new[] { 0.0, 0.3 })
                foreach (double decay in new[] { 0.0, 0.01 })
                    foreach (bool nesterov in new[] { false, true })
                        data.Add(momentum, dampening, decay, nesterov);
        return data;
    }

    [Theory]
    [MemberData(nameof(SgdOptions))]
    public void SgdMatchesCpu(double momentum, double dampening, double decay, bool nesterov)
    {
        CheckSgd<float>(momentum, dampening, decay, nesterov);
        CheckSgd<double>(momentum, dampening, decay, nesterov);
    }

    private void CheckSgd<T>(double momentum, double dampening, double decay, bool nesterov) where T : unmanaged
    {
        SgdUpdate Update(int step) => new(0.05, momentum, dampening, decay, nesterov, FirstStep: step == 1);
        Compare<T>([momentum != 0], $"Sgd μ={momentum} τ={dampening} λ={decay} nesterov={nesterov}",
            (p, g, s, n, step) => OptimizerUpdate.Sgd(p, g, s[0], n, Update(step), CpuIsa.Scalar),
            (p, g, s, step) => GpuOptimizers.SgdStep(_accelerator, p, g, s[0], Update(step)));
    }

    public static TheoryData<double, bool, bool> AdamOptions()
    {
        var data = new TheoryData<double, bool, bool>();
        foreach (double decay in new[] { 0.0, 0.05 })
            foreach (bool decoupled in new[] { false, true })
                foreach (bool amsgrad in new[] { false, true })
                    data.Add(decay, decoupled, amsgrad);
        return data;
    }

    [Theory]
    [MemberData(nameof(AdamOptions))]
    public void AdamMatchesCpu(double decay, bool decoupled, bool amsgrad)
    {
        CheckAdam<float>(decay, decoupled, amsgrad);
        CheckAdam<double>(decay, decoupled, amsgrad);
    }

    private void CheckAdam<T>(double decay, bool decoupled, bool amsgrad) where T : unmanaged
    {
        AdamUpdate Update(int step) => new(0.01, 0.9, 0.999, 1e-8, decay, decoupled, step);
        Compare<T>([true, true, amsgrad], $"Adam λ={decay} decoupled={decoupled} amsgrad={amsgrad}",
            (p, g, s, n, step) => OptimizerUpdate.Adam(p, g, s[0], s[1], s[2], n, Update(step), CpuIsa.Scalar),
            (p, g, s, step) => GpuOptimizers.AdamStep(_accelerator, p, g, s[0], s[1], s[2], Update(step)));
    }

    public static TheoryData<double, double, bool> RmsPropOptions()
    {
        var data = new TheoryData<double, double, bool>();
        foreach (double decay in new[] { 0.0, 0.01 })
            foreach (double momentum in new[] { 0.0, 0.8 })
                foreach (bool centered in new[] { false, true })
                    data.Add(decay, momentum, centered);
        return data;
    }

    [Theory]
    [MemberData(nameof(RmsPropOptions))]
    public void RmsPropMatchesCpu(double decay, double momentum, bool centered)
    {
        CheckRmsProp<float>(decay, momentum, centered);
        CheckRmsProp<double>(decay, momentum, centered);
    }

    private void CheckRmsProp<T>(double decay, double momentum, bool centered) where T : unmanaged
    {
        var update = new RmsPropUpdate(0.01, 0.99, 1e-8, decay, momentum, centered);
        Compare<T>([true, centered, momentum != 0], $"RmsProp λ={decay} μ={momentum} centered={centered}",
            (p, g, s, n, step) => OptimizerUpdate.RmsProp(p, g, s[0], s[1], s[2], n, update, CpuIsa.Scalar),
            (p, g, s, step) => GpuOptimizers.RmsPropStep(_accelerator, p, g, s[0], s[1], s[2], update));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.02)]
    public void AdagradMatchesCpu(double decay)
    {
        CheckAdagrad<float>(decay);
        CheckAdagrad<double>(decay);
    }

    private void CheckAdagrad<T>(double decay) where T : unmanaged
    {
        // The decayed learning rate changes per step, as the optimizer passes it.
        AdagradUpdate Update(int step) => new(0.1 / (1 + (step - 1) * 0.01), 1e-10, decay);
        Compare<T>([true], $"Adagrad λ={decay}",
            (p, g, s, n, step) => OptimizerUpdate.Adagrad(p, g, s[0], n, Update(step), CpuIsa.Scalar),
            (p, g, s, step) => GpuOptimizers.AdagradStep(_accelerator, p, g, s[0], Update(step)));
    }

    /// <summary>
    /// Runs <see cref="Steps"/> steps on the CPU and the GPU from the same parameters (zeroed states, fresh random
    /// gradients each step) and compares the parameters and every present state, for a few sizes.
    /// </summary>
    private void Compare<T>(bool[] present, string what, CpuStep<T> cpu, GpuStep<T> gpu) where T : unmanaged
    {
        var random = new Random(what.GetHashCode(StringComparison.Ordinal) & 0xffff);
        foreach (int n in new[] { 1, 2 * random.Next(20, 700) + 1 })
        {
            T[] param = GpuComparison.Random<T>(random, n, 2, specials: false);
            T[][] states = present.Select(p => p ? new T[n] : []).ToArray();
            using var paramBuffer = _accelerator.Allocate1D(param);
            using var gradBuffer = _accelerator.Allocate1D<T>(n);
            var stateBuffers = present.Select(p => p ? _accelerator.Allocate1D<T>(n) : null).ToArray();
            try
            {
                foreach (var buffer in stateBuffers) buffer?.MemSetToZero();
                var views = stateBuffers.Select(b => b is null ? ArrayView<T>.Empty : (ArrayView<T>)b.View).ToArray();
                for (int step = 1; step <= Steps; step++)
                {
                    T[] grad = GpuComparison.Random<T>(random, n, 1, specials: false);
                    gradBuffer.CopyFromCPU(grad);
                    gpu(paramBuffer.View, gradBuffer.View, views, step);
                    RunCpu(cpu, param, grad, states, step);
                }
                _accelerator.Synchronize();
                GpuComparison.AssertClose(param, paramBuffer.GetAsArray1D(), $"{what} {typeof(T).Name} n={n} param");
                for (int k = 0; k < states.Length; k++)
                    if (present[k]) GpuComparison.AssertClose(states[k], stateBuffers[k]!.GetAsArray1D(), $"{what} {typeof(T).Name} n={n} state {k}");
            }
            finally
            {
                foreach (var buffer in stateBuffers) buffer?.Dispose();
            }
        }
    }

    private static void RunCpu<T>(CpuStep<T> cpu, T[] param, T[] grad, T[][] states, int step) where T : unmanaged
    {
        var handles = states.Select(s => System.Runtime.InteropServices.GCHandle.Alloc(s, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            T*[] pointers = new T*[states.Length];
            for (int k = 0; k < states.Length; k++)
                pointers[k] = states[k].Length == 0 ? null : (T*)handles[k].AddrOfPinnedObject();
            fixed (T* p = param, g = grad) cpu(p, g, pointers, param.Length, step);
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    [Fact]
    public void SumOfSquaresMatchesCpuAndIsDeterministic()
    {
        // Few launches: the simulator runs the group barriers of this kernel slowly.
        var random = new Random(5);
        CheckSumOfSquares(GpuComparison.Random<float>(random, 1, 3, specials: false), repeat: false);
        CheckSumOfSquares(GpuComparison.Random<double>(random, 257, 3, specials: false), repeat: false);
        CheckSumOfSquares(GpuComparison.Random<float>(random, 3001, 3, specials: false), repeat: true);
        using var empty = _accelerator.Allocate1D<float>(0);
        Assert.Equal(0.0, GpuOptimizers.SumOfSquares<float>(_accelerator, empty.View));
    }

    private void CheckSumOfSquares<T>(T[] x, bool repeat) where T : unmanaged
    {
        double expected;
        fixed (T* p = x) expected = GradientClipping.SumOfSquares(p, x.Length, CpuIsa.Scalar);
        using var xs = _accelerator.Allocate1D(x);
        double sum = GpuOptimizers.SumOfSquares<T>(_accelerator, xs.View);
        Assert.True(Math.Abs(sum - expected) <= 1e-12 * expected, $"SumOfSquares {typeof(T).Name} n={x.Length}: {sum}, expected {expected}.");
        if (repeat) Assert.Equal(sum, GpuOptimizers.SumOfSquares<T>(_accelerator, xs.View));
    }

    [Fact]
    public void ClampAndScaleMatchCpuWithNaN()
    {
        CheckClampAndScale<float>();
        CheckClampAndScale<double>();
    }

    private void CheckClampAndScale<T>() where T : unmanaged
    {
        var random = new Random(9);
        foreach (int n in new[] { 1, 333, 1201 })
        {
            T[] x = GpuComparison.Random<T>(random, n, 3, specials: true);
            T[] clamped = (T[])x.Clone(), scaled = (T[])x.Clone();
            fixed (T* c = clamped, s = scaled)
            {
                GradientClipping.Clamp(c, n, -0.75, 1.25, CpuIsa.Scalar);
                GradientClipping.Scale(s, n, 0.3, CpuIsa.Scalar);
            }
            using var xc = _accelerator.Allocate1D(x);
            using var xs = _accelerator.Allocate1D(x);
            GpuOptimizers.ClampInPlace<T>(_accelerator, xc.View, -0.75, 1.25);
            GpuOptimizers.ScaleInPlace<T>(_accelerator, xs.View, 0.3);
            _accelerator.Synchronize();
            GpuComparison.AssertExact(clamped, xc.GetAsArray1D(), $"Clamp {typeof(T).Name} n={n}");
            GpuComparison.AssertExact(scaled, xs.GetAsArray1D(), $"Scale {typeof(T).Name} n={n}");
        }
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        using var a = _accelerator.Allocate1D<float>(8);
        using var b = _accelerator.Allocate1D<float>(4);
        var empty = ArrayView<float>.Empty;
        var sgd = Assert.Throws<ArgumentException>(() => GpuOptimizers.SgdStep(_accelerator, a.View, b.View, empty, new SgdUpdate(0.1, 0, 0, 0, false, false)));
        Assert.Contains("SgdStep", sgd.Message);
        var buffer = Assert.Throws<ArgumentException>(() => GpuOptimizers.SgdStep(_accelerator, a.View, a.View, empty, new SgdUpdate(0.1, 0.9, 0, 0, false, true)));
        Assert.Contains("buffer", buffer.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            GpuOptimizers.AdamStep(_accelerator, a.View, a.View, a.View, a.View, empty, new AdamUpdate(0.1, 0.9, 0.999, 1e-8, 0, false, 0)));
        Assert.Throws<ArgumentException>(() =>
            GpuOptimizers.RmsPropStep(_accelerator, a.View, a.View, a.View, empty, empty, new RmsPropUpdate(0.1, 0.9, 1e-8, 0, 0, Centered: true)));
        Assert.Throws<ArgumentException>(() => GpuOptimizers.AdagradStep<float>(_accelerator, a.View, a.View, b.View, new AdagradUpdate(0.1, 1e-10, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuOptimizers.ClampInPlace<float>(_accelerator, a.View, 1, -1));
        using var ints = _accelerator.Allocate1D<int>(4);
        Assert.Throws<NotSupportedException>(() => GpuOptimizers.ScaleInPlace<int>(_accelerator, ints.View, 2));
    }
}
