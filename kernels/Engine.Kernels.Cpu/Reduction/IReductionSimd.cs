using System.Numerics;

namespace Engine.Kernels.Cpu;

/// <summary>
/// The vector operations the reduction and softmax kernels need, over a vector type <typeparamref name="TV"/>
/// of <typeparamref name="T"/> lanes. Implemented by zero-size structs (<see cref="ReductionSimd256{T}"/>,
/// <see cref="ReductionSimd512{T}"/>) so that each kernel is written once and the JIT specialises it per width.
/// </summary>
internal unsafe interface IReductionSimd<TV, T>
    where TV : struct
    where T : unmanaged, INumber<T>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TV Load(T* source);
    static abstract void Store(T* destination, TV value);
    static abstract TV Broadcast(T value);
    static abstract TV Add(TV left, TV right);
    static abstract TV Subtract(TV left, TV right);
    static abstract TV Multiply(TV left, TV right);

    /// <summary>left * right + addend, fused where the type allows it.</summary>
    static abstract TV MultiplyAdd(TV left, TV right, TV addend);

    /// <summary>Hardware max: with a NaN operand the result is <paramref name="right"/> (x86 semantics).</summary>
    static abstract TV MaxNative(TV left, TV right);

    /// <summary>Hardware min: with a NaN operand the result is <paramref name="right"/> (x86 semantics).</summary>
    static abstract TV MinNative(TV left, TV right);

    static abstract TV IsNaN(TV value);
    static abstract TV Equal(TV left, TV right);
    static abstract TV LessThan(TV left, TV right);
    static abstract TV Select(TV mask, TV whenTrue, TV whenFalse);

    /// <summary>Zero where the mask is set, value elsewhere (one and-not instead of a select).</summary>
    static abstract TV ZeroWhere(TV mask, TV value);

    /// <summary>Combines all lanes pairwise in registers (halves, then quarters, …) into one value.</summary>
    static abstract T CombineLanes<TOp>(TV value) where TOp : IReduceCombiner;

    /// <summary>Index of the first lane whose mask is set, or -1.</summary>
    static abstract int FirstSetLane(TV mask);

    /// <summary>Shifts each lane's bits left as an unsigned integer of the lane's width.</summary>
    static abstract TV ShiftBitsLeft(TV value, int count);

    /// <summary>Adds the lanes' bits as integers of the lane's width.</summary>
    static abstract TV AddBits(TV left, TV right);
}
