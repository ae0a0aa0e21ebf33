namespace Engine.Kernels.Cpu;

/// <summary>How <see cref="Upsample2d"/> fills the enlarged plane.</summary>
public enum UpsampleMode
{
    /// <summary>Each output cell copies the input cell it falls in (integer scale factors).</summary>
    Nearest,

    /// <summary>
    /// Bilinear interpolation with PyTorch's align_corners = false: cell centres at half-pixel positions,
    /// source coordinates clamped to the plane's edges.
    /// </summary>
    Bilinear,
}
