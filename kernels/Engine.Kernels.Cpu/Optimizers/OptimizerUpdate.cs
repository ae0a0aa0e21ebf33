using System.Numerics;
using System.Runtime.Intrinsics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Fused optimizer updates over contiguous float or double buffers: each reads and writes the parameter,
/// the gradient and the optimizer's state in one pass, in place. The formulas are PyTorch's (see
/// <see cref="SgdUpdate"/>, <see cref="AdamUpdate"/>, <see cref="RmsPropUpdate"/>, <see cref="AdagradUpdate"/>).
/// </summary>
/// <remarks>
/// Buffers must not overlap one another. Large buffers are split into ranges over <see cref="KernelThreads"/>;
/// the result does not depend on the split, since every element is updated on its own.
/// </remarks>
public static unsafe class OptimizerUpdate
{
    // Below this many elements a parallel loop costs more than it saves (about 5 buffers touched per element).
    private const long ParallelThreshold = 1 << 15;

    /// <summary>One SGD step on <see cref="IsaDispatch.Active"/>; <paramref name="buffer"/> may be null when momentum is 0.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Sgd<T>(T* param, T* grad, T* buffer, long count, SgdUpdate update) where T : unmanaged =>
        Sgd(param, grad, buffer, count, update, IsaDispatch.Active);

    /// <summary>One SGD step on the given path.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Sgd<T>(T* param, T* grad, T* buffer, long count, SgdUpdate update, CpuIsa isa) where T : unmanaged
    {
        CheckCommon(param, grad, count, "Sgd");
        if (update.Momentum != 0) CheckState(buffer, count, "Sgd", nameof(buffer));
        IsaDispatch.Take(isa, "Sgd");
        if (typeof(T) == typeof(float)) SgdTyped((float*)param, (float*)grad, (float*)buffer, count, update, isa);
        else if (typeof(T) == typeof(double)) SgdTyped((double*)param, (double*)grad, (double*)buffer, count, update, isa);
        else throw NotSupported<T>("Sgd");
    }

    /// <summary>One Adam/AdamW step on <see cref="IsaDispatch.Active"/>; <paramref name="maxSecondMoment"/> is null unless amsgrad.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Adam<T>(T* param, T* grad, T* firstMoment, T* secondMoment, T* maxSecondMoment, long count, AdamUpdate update) where T : unmanaged =>
        Adam(param, grad, firstMoment, secondMoment, maxSecondMoment, count, update, IsaDispatch.Active);

    /// <summary>One Adam/AdamW step on the given path.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step number is below 1.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Adam<T>(T* param, T* grad, T* firstMoment, T* secondMoment, T* maxSecondMoment, long count, AdamUpdate update, CpuIsa isa) where T : unmanaged
    {
        CheckCommon(param, grad, count, "Adam");
        CheckState(firstMoment, count, "Adam", nameof(firstMoment));
        CheckState(secondMoment, count, "Adam", nameof(secondMoment));
        if (update.Step < 1)
            throw new ArgumentOutOfRangeException(nameof(update), update.Step, "Adam: the step number t must be at least 1.");
        IsaDispatch.Take(isa, "Adam");
        if (typeof(T) == typeof(float))
            AdamTyped((float*)param, (float*)grad, (float*)firstMoment, (float*)secondMoment, (float*)maxSecondMoment, count, update, isa);
        else if (typeof(T) == typeof(double))
            AdamTyped((double*)param, (double*)grad, (double*)firstMoment, (double*)secondMoment, (double*)maxSecondMoment, count, update, isa);
        else throw NotSupported<T>("Adam");
    }

    /// <summary>One RMSprop step on <see cref="IsaDispatch.Active"/>; <paramref name="meanGrad"/> is null unless centered, <paramref name="buffer"/> null without momentum.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void RmsProp<T>(T* param, T* grad, T* squareAverage, T* meanGrad, T* buffer, long count, RmsPropUpdate update) where T : unmanaged =>
        RmsProp(param, grad, squareAverage, meanGrad, buffer, count, update, IsaDispatch.Active);

    /// <summary>One RMSprop step on the given path.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void RmsProp<T>(T* param, T* grad, T* squareAverage, T* meanGrad, T* buffer, long count, RmsPropUpdate update, CpuIsa isa) where T : unmanaged
    {
        CheckCommon(param, grad, count, "RmsProp");
        CheckState(squareAverage, count, "RmsProp", nameof(squareAverage));
        if (update.Centered) CheckState(meanGrad, count, "RmsProp", nameof(meanGrad));
        if (update.Momentum != 0) CheckState(buffer, count, "RmsProp", nameof(buffer));
        // The flags decide; a pointer passed without its flag is ignored.
        if (!update.Centered) meanGrad = null;
        if (update.Momentum == 0) buffer = null;
        IsaDispatch.Take(isa, "RmsProp");
        if (typeof(T) == typeof(float))
            RmsPropTyped((float*)param, (float*)grad, (float*)squareAverage, (float*)meanGrad, (float*)buffer, count, update, isa);
        else if (typeof(T) == typeof(double))
            RmsPropTyped((double*)param, (double*)grad, (double*)squareAverage, (double*)meanGrad, (double*)buffer, count, update, isa);
        else throw NotSupported<T>("RmsProp");
    }

    /// <summary>One Adagrad step on <see cref="IsaDispatch.Active"/>.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Adagrad<T>(T* param, T* grad, T* sum, long count, AdagradUpdate update) where T : unmanaged =>
        Adagrad(param, grad, sum, count, update, IsaDispatch.Active);

    /// <summary>One Adagrad step on the given path.</summary>
    /// <exception cref="ArgumentNullException">A needed buffer is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public static void Adagrad<T>(T* param, T* grad, T* sum, long count, AdagradUpdate update, CpuIsa isa) where T : unmanaged
    {
        CheckCommon(param, grad, count, "Adagrad");
        CheckState(sum, count, "Adagrad", nameof(sum));
        IsaDispatch.Take(isa, "Adagrad");
        if (typeof(T) == typeof(float)) AdagradTyped((float*)param, (float*)grad, (float*)sum, count, update, isa);
        else if (typeof(T) == typeof(double)) AdagradTyped((double*)param, (double*)grad, (double*)sum, count, update, isa);
        else throw NotSupported<T>("Adagrad");
    }

    private static void SgdTyped<T>(T* param, T* grad, T* buffer, long count, SgdUpdate u, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (u.Momentum == 0) buffer = null;
        Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.Sgd(param + s, grad + s, At(buffer, s), n, u); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.Sgd(param + s, grad + s, At(buffer, s), n, u); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.Sgd(param + s, grad + s, At(buffer, s), n, u); break;
            }
        });
    }

    private static void AdamTyped<T>(T* param, T* grad, T* m, T* v, T* vMax, long count, AdamUpdate u, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.Adam(param + s, grad + s, m + s, v + s, At(vMax, s), n, u); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.Adam(param + s, grad + s, m + s, v + s, At(vMax, s), n, u); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.Adam(param + s, grad + s, m + s, v + s, At(vMax, s), n, u); break;
            }
        });
    }

    private static void RmsPropTyped<T>(T* param, T* grad, T* square, T* mean, T* buffer, long count, RmsPropUpdate u, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.RmsProp(param + s, grad + s, square + s, At(mean, s), At(buffer, s), n, u); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.RmsProp(param + s, grad + s, square + s, At(mean, s), At(buffer, s), n, u); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.RmsProp(param + s, grad + s, square + s, At(mean, s), At(buffer, s), n, u); break;
            }
        });
    }

    private static void AdagradTyped<T>(T* param, T* grad, T* sum, long count, AdagradUpdate u, CpuIsa isa)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Split(count, (s, n) =>
        {
            switch (isa)
            {
                case CpuIsa.Scalar: UpdateScalar<T>.Adagrad(param + s, grad + s, sum + s, n, u); break;
                case CpuIsa.Avx2: UpdateVector<T, Vector256<T>, Simd256<T>>.Adagrad(param + s, grad + s, sum + s, n, u); break;
                default: UpdateVector<T, Vector512<T>, Simd512<T>>.Adagrad(param + s, grad + s, sum + s, n, u); break;
            }
        });
    }

    /// <summary>Runs body(start, count) over [0, count), split over threads when the buffer is large.</summary>
    internal static void Split(long count, Action<nint, nint> body)
    {
        if (count <= 0) return;
        if (KernelThreads.Count == 1 || count < ParallelThreshold) body(0, (nint)count);
        else KernelThreads.ForRange(count, ParallelThreshold, (start, end) => body((nint)start, (nint)(end - start)));
    }

    /// <summary>p + offset, keeping an absent (null) state buffer null.</summary>
    internal static T* At<T>(T* p, nint offset) where T : unmanaged => p == null ? null : p + offset;

    internal static void CheckCommon(void* param, void* grad, long count, string kernel)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"{kernel}: count must be non-negative.");
        if (count > 0 && param == null) throw new ArgumentNullException(nameof(param), $"{kernel}: the parameter buffer is null.");
        if (count > 0 && grad == null) throw new ArgumentNullException(nameof(grad), $"{kernel}: the gradient buffer is null.");
    }

    private static void CheckState(void* state, long count, string kernel, string name)
    {
        if (count > 0 && state == null) throw new ArgumentNullException(name, $"{kernel}: the state buffer {name} is null but this update needs it.");
    }

    internal static NotSupportedException NotSupported<T>(string kernel) =>
        new($"{kernel} does not support element type {typeof(T).FullName}; use float or double.");
}
