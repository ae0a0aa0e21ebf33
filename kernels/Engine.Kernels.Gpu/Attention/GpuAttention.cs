using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Fused scaled dot-product attention on a GPU: O = softmax(Q·Kᵀ·scale + mask)·V and the row log-sum-exp L of the
/// masked, scaled scores, without materialising the [Lq, Lk] scores (FlashAttention's online softmax). Masked scores
/// (causal: key j &gt; query i; a bool mask's zeros) become the element type's lowest finite value, an additive mask
/// is added after them, so a fully masked row averages V uniformly, as the composed op does. float and double; the
/// launch queues on the accelerator's default stream.
/// </summary>
public static class GpuAttention
{
    /// <summary>The largest d and dv the kernel takes (its shared accumulator holds 16 rows of dv).</summary>
    public const int MaxFeatures = AttentionTile.MaxFeatures;

    /// <summary>Attention forward for Q [batch, queries, features], K [batch, keys, features], V [batch, keys, valueFeatures], all contiguous.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="batch">B, the flattened leading axes.</param>
    /// <param name="queries">Lq.</param>
    /// <param name="keys">Lk.</param>
    /// <param name="features">d, at most <see cref="MaxFeatures"/>.</param>
    /// <param name="valueFeatures">dv, at most <see cref="MaxFeatures"/>.</param>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="maskKind">Which of the two mask views is read.</param>
    /// <param name="boolMask">For <see cref="AttentionMaskKind.Bool"/>: bytes, non-zero = may attend; else empty.</param>
    /// <param name="additiveMask">For <see cref="AttentionMaskKind.Additive"/>: values added to the scores; else empty.</param>
    /// <param name="maskLayout">Where the mask element of (b, i, j) lies in its view.</param>
    /// <param name="causal">Hide the keys after each query (query i sees keys 0..i).</param>
    /// <param name="scale">The factor on Q·Kᵀ; finite.</param>
    /// <param name="o">Output [batch, queries, valueFeatures].</param>
    /// <param name="logSumExp">Output [batch, queries]: log Σ_j exp(s_ij) of the masked, scaled scores.</param>
    /// <exception cref="ArgumentException">A size is negative, d or dv exceeds <see cref="MaxFeatures"/>, a view is too short,
    /// or the mask layout is invalid; the message names the kernel, the sizes and the view lengths.</exception>
    public static void Forward<T>(Accelerator accelerator, long batch, long queries, long keys, int features, int valueFeatures,
        ArrayView<T> q, ArrayView<T> k, ArrayView<T> v, AttentionMaskKind maskKind, ArrayView<byte> boolMask, ArrayView<T> additiveMask,
        AttentionMaskLayout maskLayout, bool causal, double scale, ArrayView<T> o, ArrayView<T> logSumExp) where T : unmanaged
    {
        const string kernel = "GpuAttention.Forward";
        ArgumentNullException.ThrowIfNull(accelerator);
        string sizes = $"batch = {batch}, queries = {queries}, keys = {keys}, features = {features}, valueFeatures = {valueFeatures}";
        if (batch < 0 || queries < 0 || keys < 0 || features < 0 || valueFeatures < 0)
            throw new ArgumentException($"{kernel}: sizes must be non-negative, got {sizes}.");
        if (features > MaxFeatures || valueFeatures > MaxFeatures)
            throw new ArgumentException($"{kernel}: features and valueFeatures must be at most {MaxFeatures}, got {sizes}.");
        if (!double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"{kernel}: scale must be finite.");
        Require(kernel, nameof(q), q.Length, batch * queries * features, sizes);
        Require(kernel, nameof(k), k.Length, batch * keys * features, sizes);
        Require(kernel, nameof(v), v.Length, batch * keys * valueFeatures, sizes);
        Require(kernel, nameof(o), o.Length, batch * queries * valueFeatures, sizes);
        Require(kernel, nameof(logSumExp), logSumExp.Length, batch * queries, sizes);
        if (batch == 0 || queries == 0) return;
        if (keys == 0)
            throw new ArgumentException($"{kernel}: no keys to attend to ({sizes}).");
        CheckMask(kernel, maskKind, boolMask.Length, additiveMask.Length, maskLayout, batch, queries, keys, sizes);
        var problem = new AttentionProblem(batch, queries, keys, features, valueFeatures, maskKind,
            maskKind == AttentionMaskKind.None ? new AttentionMaskLayout(1, 0, 0, 0, 0) : maskLayout, causal);
        var launch = ElementType.Pick<T, Action<KernelConfig, AttentionProblem, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<byte>, ArrayView<T>, T, T, ArrayView<T>, ArrayView<T>>>(
            accelerator, kernel, AttentionKernel<float, GpuFloatMath>.Forward.On, AttentionKernel<double, GpuDoubleMath>.Forward.On);
        var config = new KernelConfig((int)Math.Min(problem.Tiles, MaxGroups), AttentionTile.Threads);
        launch(config, problem, q, k, v, boolMask, additiveMask, Scalar<T>(scale), Lowest<T>(), o, logSumExp);
    }

    // Enough groups to fill any current GPU; the kernel's tile loop covers the rest.
    private const long MaxGroups = 1L << 16;

    private static void CheckMask(string kernel, AttentionMaskKind kind, long boolLength, long additiveLength, AttentionMaskLayout layout,
        long batch, long queries, long keys, string sizes)
    {
        if (kind == AttentionMaskKind.None) return;
        if (kind is not (AttentionMaskKind.Bool or AttentionMaskKind.Additive))
            throw new ArgumentException($"{kernel}: unknown mask kind {kind}.");
        if (layout.Heads < 1 || layout.OuterStride < 0 || layout.HeadStride < 0 || layout.RowStride < 0 || layout.ColumnStride < 0)
            throw new ArgumentException($"{kernel}: mask layout {layout} needs Heads ≥ 1 and non-negative strides.");
        long length = kind == AttentionMaskKind.Bool ? boolLength : additiveLength;
        long last = layout.LastOffset(batch, queries, keys);
        if (last >= length)
            throw new ArgumentException($"{kernel}: the {kind} mask view has {length} elements, but layout {layout} reads element {last} ({sizes}).");
    }

    private static void Require(string kernel, string name, long length, long needed, string sizes)
    {
        if (length < needed) throw new ArgumentException($"{kernel}: {name} has {length} elements, {sizes} needs {needed}.", name);
    }

    private static T Scalar<T>(double value) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)value : typeof(T) == typeof(double) ? (T)(object)value : default;

    private static T Lowest<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)float.MinValue : typeof(T) == typeof(double) ? (T)(object)double.MinValue : default;
}
