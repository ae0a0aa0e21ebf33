using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Fills the contiguous <paramref name="mask"/> (float or double) with a dropout mask drawn on its device from a
    /// counter-based stream: element i (row-major) is <paramref name="scale"/> where its 32 random bits u(key, i)
    /// ≥ round(p·2^32), else 0 (see Engine.Kernels.Cpu.BernoulliMask). The bits depend only on (key, i), so every
    /// backend draws the same mask for the same key.
    /// </summary>
    /// <param name="mask">The mask, contiguous; every element is written.</param>
    /// <param name="key">The stream's key (one per mask).</param>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="scale">The value of a kept element.</param>
    void DropoutMask(Tensor mask, ulong key, double p, double scale);
}
