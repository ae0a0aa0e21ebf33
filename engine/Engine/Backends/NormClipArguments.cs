using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The checks every backend's <see cref="IBackend.ClipByNorm"/> makes before touching a tensor.</summary>
internal static class NormClipArguments
{
    /// <summary>Throws unless <paramref name="limit"/> is finite and positive and every tensor contiguous and floating.</summary>
    public static void Check(IReadOnlyList<Tensor> tensors, double limit)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!(double.IsFinite(limit) && limit > 0))
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"ClipByNorm: the limit must be finite and positive, got {limit} ({tensors.Count} tensors).");
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"ClipByNorm: tensor {i} is null.");
            if (!t.DType.IsFloating() || !t.IsContiguous)
                throw new ArgumentException($"ClipByNorm: tensor {i} is {t.Describe()}; only contiguous float32 and float64 tensors are clipped in place (limit {limit}).", nameof(tensors));
        }
    }
}
