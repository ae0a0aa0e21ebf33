namespace Engine.Kernels.Cpu;

/// <summary>
/// The one vector layer every SIMD kernel is written against — elementwise math, reductions, softmax and
/// the GEMM micro-kernel — so each kernel is written once and instantiated for <c>Vector256&lt;T&gt;</c>
/// (AVX2) and <c>Vector512&lt;T&gt;</c> (AVX-512, or its software emulation), and for vector pairs.
/// <typeparamref name="T"/> is <see cref="float"/>, <see cref="double"/> (or <see cref="int"/> where a
/// kernel says so); the JIT folds the element-type branches inside each implementation.
/// </summary>
internal unsafe interface ISimd<TV, T> where TV : struct where T : unmanaged
{
    static abstract int Count { get; }
    static abstract TV Load(T* p);
    static abstract void Store(T* p, TV v);
    static abstract TV Splat(T value);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    /// <summary>a·b − c with one rounding.</summary>
    static abstract TV FmaSub(TV a, TV b, TV c);
    static abstract TV Sqrt(TV a);
    static abstract TV Abs(TV a);
    static abstract TV Neg(TV a);
    /// <summary>NaN-propagating maximum (like <see cref="Math.Max(double,double)"/>).</summary>
    static abstract TV Max(TV a, TV b);
    /// <summary>NaN-propagating minimum (like <see cref="Math.Min(double,double)"/>).</summary>
    static abstract TV Min(TV a, TV b);
    /// <summary>Fast maximum with the x86 rule: b when either operand is NaN (so MaxFast(bound, x) keeps NaN x).</summary>
    static abstract TV MaxFast(TV a, TV b);
    /// <summary>Fast minimum with the x86 rule: b when either operand is NaN (so MinFast(bound, x) keeps NaN x).</summary>
    static abstract TV MinFast(TV a, TV b);
    static abstract TV Equal(TV a, TV b);
    static abstract TV LessThan(TV a, TV b);
    static abstract TV LessOrEqual(TV a, TV b);
    static abstract TV GreaterThan(TV a, TV b);
    static abstract TV IsNaN(TV a);
    static abstract TV And(TV a, TV b);
    static abstract TV Or(TV a, TV b);
    /// <summary>True if any lane of the mask is set.</summary>
    static abstract bool Any(TV mask);
    /// <summary>mask ? a : b, lane by lane (mask lanes all-ones or zero).</summary>
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>
    /// ifNegative where the sign bit of <paramref name="x"/> is set (x &lt; 0, −0, negative NaN), otherwise
    /// <paramref name="otherwise"/>: a select without a comparison (one blend on AVX2).
    /// </summary>
    static abstract TV SelectBySign(TV x, TV ifNegative, TV otherwise);
    /// <summary>2^m for lanes holding <c>m + RoundingShift</c> with m an integer in the normal exponent range.</summary>
    static abstract TV Pow2OfShifted(TV shifted);
    /// <summary>
    /// Splits a positive normal x into x = m·2^e with m in [√½, √2); returns m and sets e (integral-valued).
    /// </summary>
    static abstract TV SplitMantissa(TV x, out TV exponent);
    /// <summary>Index of the first lane whose mask is set, or -1.</summary>
    static abstract int FirstSetLane(TV mask);
}
