using Engine.Data;
using Engine.Tensors;

namespace Engine.Tests.Data;

/// <summary>Random shifts: each image is its original moved by whole pixels within the bound, zeros filling in.</summary>
public class ImageAugmentationTests
{
    [Fact]
    public void EachImageIsItsOriginalShiftedWithinTheBound()
    {
        const int n = 12, c = 2, h = 5, w = 7, max = 2;
        var images = Tensor.Uniform(new Shape(n, c, h, w), 0.1, 1, generator: new Generator(4));
        var shifted = ImageAugmentation.RandomShift(images, max, new Generator(9));
        Assert.Equal(images.Shape, shifted.Shape);
        var x = images.ToArray<float>();
        var y = shifted.ToArray<float>();
        var offsetsSeen = new HashSet<(int, int)>();
        for (int s = 0; s < n; s++)
        {
            var match = Offsets(max).Where(o => IsShift(x, y, s, c, h, w, o.Dy, o.Dx)).ToList();
            Assert.True(match.Count == 1, $"image {s} is not exactly one shift of its original ({match.Count} matches)");
            offsetsSeen.Add(match[0]);
        }
        Assert.True(offsetsSeen.Count > 3, "the offsets should vary between images");
    }

    [Fact]
    public void ZeroShiftIsTheIdentityAndBadInputIsRejected()
    {
        var images = Tensor.Ones(new Shape(2, 1, 3, 3));
        Assert.Same(images, ImageAugmentation.RandomShift(images, 0, new Generator(1)));
        Assert.Throws<ArgumentException>(() => ImageAugmentation.RandomShift(Tensor.Ones(new Shape(3, 3)), 1, new Generator(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageAugmentation.RandomShift(images, -1, new Generator(1)));
    }

    private static IEnumerable<(int Dy, int Dx)> Offsets(int max) =>
        from dy in Enumerable.Range(-max, 2 * max + 1) from dx in Enumerable.Range(-max, 2 * max + 1) select (dy, dx);

    /// <summary>Whether output image s is input image s moved so that output (i, j) = input (i + dy, j + dx), zero outside.</summary>
    private static bool IsShift(float[] x, float[] y, int s, int c, int h, int w, int dy, int dx)
    {
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    int si = i + dy, sj = j + dx;
                    float expected = si < 0 || si >= h || sj < 0 || sj >= w ? 0 : x[((s * c + ch) * h + si) * w + sj];
                    if (y[((s * c + ch) * h + i) * w + j] != expected) return false;
                }
        return true;
    }
}
