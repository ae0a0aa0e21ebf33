using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Fused optimizer updates and the gradient-clipping kernels on a GPU, with the formulas of the CPU's
/// <see cref="OptimizerUpdate"/> and <see cref="GradientClipping"/> (PyTorch's; see <see cref="SgdUpdate"/>,
/// <see cref="AdamUpdate"/>, <see cref="RmsPropUpdate"/>, <see cref="AdagradUpdate"/>): in place, in T, the
/// hyperparameters converted to T as the CPU converts them. float and double. The element count is the length
/// of <c>param</c> (or <c>x</c>); the other operands must hold at least as many elements. Optional state buffers
/// are empty views (length 0) when the update does not use them; a buffer passed without its option is ignored.
/// </summary>
public static class GpuOptimizers
{
    /// <summary>Enqueues one SGD step (synchronize before reading the buffers on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">The gradient.</param>
    /// <param name="buffer">The momentum buffer (needed when <see cref="SgdUpdate.Momentum"/> ≠ 0; written only on the first step).</param>
    /// <param name="update">The hyperparameters.</param>
    public static void SgdStep<T>(Accelerator accelerator, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> buffer, SgdUpdate update)
        where T : unmanaged
    {
        const string kernel = "GpuOptimizers.SgdStep";
        long n = CheckCommon(accelerator, kernel, param, grad);
        bool momentum = update.Momentum != 0;
        if (momentum) CheckState(kernel, nameof(buffer), buffer, n, "momentum ≠ 0");
        if (n == 0) return;
        int flags = Flag(update.WeightDecay != 0, UpdateFlags.Decay) | Flag(momentum, UpdateFlags.Momentum)
            | Flag(update.Nesterov, UpdateFlags.Nesterov) | Flag(update.FirstStep, UpdateFlags.FirstStep);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, SgdConstants<T>>>(
            accelerator, kernel, OptimizerKernels<float, GpuFloatMath>.Sgd.On, OptimizerKernels<double, GpuDoubleMath>.Sgd.On);
        var constants = new SgdConstants<T>(Of<T>(update.LearningRate), Of<T>(update.WeightDecay), Of<T>(update.Momentum),
            Of<T>(1 - update.Dampening), flags);
        launch(GridStride.Threads(n), param, grad, momentum ? buffer : param, n, constants);
    }

    /// <summary>Enqueues one Adam/AdamW step (synchronize before reading the buffers on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">The gradient.</param>
    /// <param name="firstMoment">m, updated in place.</param>
    /// <param name="secondMoment">v, updated in place.</param>
    /// <param name="maxSecondMoment">v̂ for amsgrad, updated in place; an empty view without amsgrad.</param>
    /// <param name="update">The hyperparameters; <see cref="AdamUpdate.Step"/> must be at least 1.</param>
    public static void AdamStep<T>(Accelerator accelerator, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> firstMoment,
        ArrayView<T> secondMoment, ArrayView<T> maxSecondMoment, AdamUpdate update) where T : unmanaged
    {
        const string kernel = "GpuOptimizers.AdamStep";
        long n = CheckCommon(accelerator, kernel, param, grad);
        CheckState(kernel, nameof(firstMoment), firstMoment, n, "Adam");
        CheckState(kernel, nameof(secondMoment), secondMoment, n, "Adam");
        if (update.Step < 1)
            throw new ArgumentOutOfRangeException(nameof(update), update.Step, $"{kernel}: the step number t must be at least 1.");
        bool amsgrad = maxSecondMoment.Length > 0;
        if (amsgrad) CheckState(kernel, nameof(maxSecondMoment), maxSecondMoment, n, "amsgrad");
        if (n == 0) return;
        // The per-step constants in double, as the CPU's AdamConstants, then converted to T.
        double correction1 = 1 - Math.Pow(update.Beta1, update.Step), correction2 = 1 - Math.Pow(update.Beta2, update.Step);
        bool decay = update.WeightDecay != 0;
        int flags = Flag(decay && !update.Decoupled, UpdateFlags.Decay) | Flag(decay && update.Decoupled, UpdateFlags.Decoupled)
            | Flag(amsgrad, UpdateFlags.Amsgrad);
        var constants = new AdamConstants<T>(Of<T>(update.LearningRate / correction1), Of<T>(1 / Math.Sqrt(correction2)), Of<T>(update.Epsilon),
            Of<T>(update.Beta1), Of<T>(update.Beta2), Of<T>(1 - update.Beta1), Of<T>(1 - update.Beta2), Of<T>(update.WeightDecay),
            Of<T>(1 - update.LearningRate * update.WeightDecay), flags);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdamConstants<T>>>(
            accelerator, kernel, OptimizerKernels<float, GpuFloatMath>.Adam.On, OptimizerKernels<double, GpuDoubleMath>.Adam.On);
        launch(GridStride.Threads(n), param, grad, firstMoment, secondMoment, amsgrad ? maxSecondMoment : param, n, constants);
    }

    /// <summary>Enqueues one RMSprop step (synchronize before reading the buffers on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">The gradient.</param>
    /// <param name="squareAverage">v, updated in place.</param>
    /// <param name="meanGrad">ḡ (needed when centered), updated in place.</param>
    /// <param name="buffer">The momentum buffer (needed when <see cref="RmsPropUpdate.Momentum"/> ≠ 0), updated in place.</param>
    /// <param name="update">The hyperparameters.</param>
    public static void RmsPropStep<T>(Accelerator accelerator, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> squareAverage,
        ArrayView<T> meanGrad, ArrayView<T> buffer, RmsPropUpdate update) where T : unmanaged
    {
        const string kernel = "GpuOptimizers.RmsPropStep";
        long n = CheckCommon(accelerator, kernel, param, grad);
        CheckState(kernel, nameof(squareAverage), squareAverage, n, "RMSprop");
        bool momentum = update.Momentum != 0;
        if (update.Centered) CheckState(kernel, nameof(meanGrad), meanGrad, n, "centered");
        if (momentum) CheckState(kernel, nameof(buffer), buffer, n, "momentum ≠ 0");
        if (n == 0) return;
        int flags = Flag(update.WeightDecay != 0, UpdateFlags.Decay) | Flag(update.Centered, UpdateFlags.Centered) | Flag(momentum, UpdateFlags.Momentum);
        var constants = new RmsPropConstants<T>(Of<T>(update.LearningRate), Of<T>(update.Alpha), Of<T>(1 - update.Alpha), Of<T>(update.Epsilon),
            Of<T>(update.WeightDecay), Of<T>(update.Momentum), flags);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, RmsPropConstants<T>>>(
            accelerator, kernel, OptimizerKernels<float, GpuFloatMath>.RmsProp.On, OptimizerKernels<double, GpuDoubleMath>.RmsProp.On);
        launch(GridStride.Threads(n), param, grad, squareAverage, update.Centered ? meanGrad : param, momentum ? buffer : param, n, constants);
    }

    /// <summary>Enqueues one Adagrad step (synchronize before reading the buffers on the host).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">The gradient.</param>
    /// <param name="sum">s, the running sum of squared gradients, updated in place.</param>
    /// <param name="update">The hyperparameters (the learning rate already decayed for this step).</param>
    public static void AdagradStep<T>(Accelerator accelerator, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> sum, AdagradUpdate update)
        where T : unmanaged
    {
        const string kernel = "GpuOptimizers.AdagradStep";
        long n = CheckCommon(accelerator, kernel, param, grad);
        CheckState(kernel, nameof(sum), sum, n, "Adagrad");
        if (n == 0) return;
        var constants = new AdagradConstants<T>(Of<T>(update.LearningRate), Of<T>(update.Epsilon), Of<T>(update.WeightDecay),
            Flag(update.WeightDecay != 0, UpdateFlags.Decay));
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, long, AdagradConstants<T>>>(
            accelerator, kernel, OptimizerKernels<float, GpuFloatMath>.Adagrad.On, OptimizerKernels<double, GpuDoubleMath>.Adagrad.On);
        launch(GridStride.Threads(n), param, grad, sum, n, constants);
    }

    /// <summary>
    /// Σ x² accumulated in double; synchronises the accelerator and returns the value. Deterministic: fixed
    /// per-group partials for a given length, added on the host in group order.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the view.</param>
    /// <param name="x">The elements.</param>
    /// <returns>The sum of the squares (0 for an empty view).</returns>
    public static double SumOfSquares<T>(Accelerator accelerator, ArrayView<T> x) where T : unmanaged
    {
        const string kernel = "GpuOptimizers.SumOfSquares";
        ArgumentNullException.ThrowIfNull(accelerator);
        long n = x.Length;
        if (n == 0) return 0;
        var launch = ElementType.Pick<T, Action<KernelConfig, ArrayView<T>, ArrayView<double>, long>>(accelerator, kernel,
            SumOfSquaresKernel<float, FloatWidening>.Loaded.On, SumOfSquaresKernel<double, DoubleWidening>.Loaded.On);
        int groups = SumOfSquaresGroups.Groups(n);
        using GpuBlock block = GpuMemoryPool.For(accelerator).Rent((long)groups * sizeof(double));
        ArrayView<double> partials = block.View<double>();
        launch(new KernelConfig(groups, SumOfSquaresGroups.GroupSize), x, partials, n);
        var host = new double[groups];
        partials.CopyToCPU(host);
        accelerator.Synchronize(); // the copy may be asynchronous on some backends
        double total = 0;
        foreach (double p in host) total += p;
        return total;
    }

    /// <summary>Enqueues x ← min(max(x, min), max) in place, the bounds converted to T; NaN stays NaN.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the view.</param>
    /// <param name="x">The elements.</param>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound, not below <paramref name="min"/>.</param>
    public static void ClampInPlace<T>(Accelerator accelerator, ArrayView<T> x, double min, double max) where T : unmanaged
    {
        const string kernel = "GpuOptimizers.ClampInPlace";
        ArgumentNullException.ThrowIfNull(accelerator);
        if (!(min <= max)) throw new ArgumentOutOfRangeException(nameof(min), min, $"{kernel}: min ({min}) must not exceed max ({max}).");
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, long, T, T>>(accelerator, kernel,
            OptimizerKernels<float, GpuFloatMath>.Clamp.On, OptimizerKernels<double, GpuDoubleMath>.Clamp.On);
        if (x.Length == 0) return;
        launch(GridStride.Threads(x.Length), x, x.Length, Of<T>(min), Of<T>(max));
    }

    /// <summary>Enqueues x ← x·factor in place, the factor converted to T.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the view.</param>
    /// <param name="x">The elements.</param>
    /// <param name="factor">The factor.</param>
    public static void ScaleInPlace<T>(Accelerator accelerator, ArrayView<T> x, double factor) where T : unmanaged
    {
        const string kernel = "GpuOptimizers.ScaleInPlace";
        ArgumentNullException.ThrowIfNull(accelerator);
        var launch = ElementType.Pick<T, Action<Index1D, ArrayView<T>, long, T>>(accelerator, kernel,
            OptimizerKernels<float, GpuFloatMath>.Scale.On, OptimizerKernels<double, GpuDoubleMath>.Scale.On);
        if (x.Length == 0) return;
        launch(GridStride.Threads(x.Length), x, x.Length, Of<T>(factor));
    }

    private static long CheckCommon<T>(Accelerator accelerator, string kernel, ArrayView<T> param, ArrayView<T> grad) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"{kernel} supports float and double, not {typeof(T).FullName}.");
        if (grad.Length < param.Length)
            throw new ArgumentException($"{kernel}: grad has {grad.Length} elements, param has {param.Length}.", nameof(grad));
        return param.Length;
    }

    private static void CheckState<T>(string kernel, string name, ArrayView<T> state, long n, string reason) where T : unmanaged
    {
        if (state.Length < n)
            throw new ArgumentException($"{kernel}: the state buffer {name} has {state.Length} elements, param has {n} ({reason} needs it).", name);
    }

    private static int Flag(bool on, int flag) => on ? flag : 0;

    // T.CreateTruncating(double), as the CPU's UpdateScalar converts its constants.
    private static T Of<T>(double value) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)value : (T)(object)value;
}
