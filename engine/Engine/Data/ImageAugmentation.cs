using Engine.Autodiff;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>Random transformations of image batches [N, C, H, W] for training on small data sets.</summary>
public static class ImageAugmentation
{
    /// <summary>
    /// Translates each image by its own random whole-pixel offset in [−maxShift, maxShift] along each axis,
    /// filling the uncovered border with zeros. Written with tensor ops (pad, then a per-sample gather), so it
    /// runs on the batch's device; no gradients are recorded.
    /// </summary>
    /// <param name="images">[N, C, H, W].</param>
    /// <param name="maxShift">Largest offset in pixels (0 returns the batch unchanged).</param>
    /// <param name="generator">The source of offsets.</param>
    public static Tensor RandomShift(Tensor images, int maxShift, Generator generator)
    {
        if (images.Rank != 4) throw new ArgumentException($"RandomShift: images must be [N, C, H, W], got {images.Describe()}.");
        if (maxShift < 0) throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, "RandomShift: maxShift must not be negative.");
        if (maxShift == 0) return images;
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        int paddedWidth = w + 2 * maxShift;
        var source = new int[n * h * w];
        for (int s = 0; s < n; s++)
        {
            int dy = (int)(generator.NextUInt64() % (ulong)(2 * maxShift + 1));
            int dx = (int)(generator.NextUInt64() % (ulong)(2 * maxShift + 1));
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    source[(s * h + i) * w + j] = (i + dy) * paddedWidth + j + dx;
        }
        using var scope = Autograd.NoGrad();
        var padded = images.Pad([maxShift, maxShift, maxShift, maxShift]).Reshape(n, c, -1);
        var index = Tensor.FromArray(source, new Shape(n, 1, h * w), images.Device).Expand(n, c, h * w);
        return padded.TakeAlongAxis(index, 2).Reshape(n, c, h, w);
    }
}
