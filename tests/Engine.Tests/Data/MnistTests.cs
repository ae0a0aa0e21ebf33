using Engine.Data;
using Engine.Tensors;

namespace Engine.Tests.Data;

/// <summary>The bundled MNIST subset and loading MNIST from a folder of IDX files.</summary>
public class MnistTests
{
    private static readonly Lazy<MnistDataset> Bundled = new(Mnist.Load);

    // The per-class counts documented in data/mnist/README.md.
    private static readonly int[] TrainPerClass = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
    private static readonly int[] TestPerClass = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

    [Fact]
    public void BundledSubsetHasTheDocumentedShapesAndDtypes()
    {
        var (train, test) = Bundled.Value;
        Assert.Equal(new[] { 8000, 1, 28, 28 }, train.Images.Shape.ToArray());
        Assert.Equal(new[] { 8000 }, train.Labels.Shape.ToArray());
        Assert.Equal(new[] { 2000, 1, 28, 28 }, test.Images.Shape.ToArray());
        Assert.Equal(new[] { 2000 }, test.Labels.Shape.ToArray());
        Assert.Equal(DType.Float32, train.Images.DType);
        Assert.Equal(DType.Int32, test.Labels.DType);
        Assert.Equal(8000, train.Count);
    }

    [Fact]
    public void EveryDigitIsInBothSplitsWithTheDocumentedCounts()
    {
        var (train, test) = Bundled.Value;
        Assert.Equal(TrainPerClass, CountPerClass(train.Labels));
        Assert.Equal(TestPerClass, CountPerClass(test.Labels));
    }

    [Fact]
    public void PixelsAreGreyLevelsScaledIntoTheUnitRange()
    {
        foreach (var split in new[] { Bundled.Value.Train, Bundled.Value.Test })
        {
            var pixels = split.Images.ToArray<float>();
            Assert.Equal(0f, pixels.Min());
            Assert.Equal(1f, pixels.Max());
            Assert.All(pixels.Take(200_000), p => Assert.Equal(Math.Round(p * 255), p * 255, 3));
            // MNIST digits are mostly background: the mean grey level is about 0.13.
            Assert.InRange(pixels.Average(), 0.10, 0.16);
        }
    }

    [Fact]
    public void TrainingDigitsAreNotSortedByClass()
    {
        var labels = Bundled.Value.Train.Labels.ToArray<int>();
        Assert.True(labels.Take(100).Distinct().Count() >= 8, "the first 100 training labels should mix the classes");
    }

    [Theory]
    [InlineData(true, "")]
    [InlineData(false, "")]
    [InlineData(false, ".")]
    public void LoadsTheStandardFilesFromAFolder(bool gzipped, string separator)
    {
        using var folder = new TempFolder();
        var random = new Random(7);
        var trainPixels = IdxFile.RandomValues(IdxElementType.UnsignedByte, 3 * 28 * 28, random);
        WriteSplit(folder, "train", separator, gzipped, trainPixels, [3, 28, 28], [9, 0, 4]);
        WriteSplit(folder, "t10k", separator, gzipped, new double[2 * 4 * 5], [2, 4, 5], [1, 1]);
        var (train, test) = Mnist.Load(folder.Path);
        Assert.Equal(new[] { 3, 1, 28, 28 }, train.Images.Shape.ToArray());
        Assert.Equal(trainPixels.Select(p => (float)(p / 255)), train.Images.ToArray<float>());
        Assert.Equal(new[] { 9, 0, 4 }, train.Labels.ToArray<int>());
        Assert.Equal(new[] { 2, 1, 4, 5 }, test.Images.Shape.ToArray());
    }

    [Fact]
    public void ImageAndLabelCountMismatchNamesBothFiles()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", "", true, new double[3 * 2 * 2], [3, 2, 2], [1, 2]);
        WriteSplit(folder, "t10k", "", true, new double[4], [1, 2, 2], [0]);
        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));
        Assert.Contains("count mismatch", error.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", error.Message);
        Assert.Contains("train-labels-idx1-ubyte.gz", error.Message);
    }

    [Fact]
    public void MissingFileNamesTheFolderAndTheFile()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.Path));
        Assert.Contains(folder.Path, error.Message);
        Assert.Contains("train-images-idx3-ubyte", error.Message);
    }

    [Fact]
    public void LabelsThatAreNotBytesAreRejected()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "t10k", "", false, new double[4], [1, 2, 2], [0]);
        folder.Write("train-images-idx3-ubyte", IdxFile.Encode(IdxElementType.UnsignedByte, [1, 2, 2], new double[4]));
        folder.Write("train-labels-idx1-ubyte", IdxFile.Encode(IdxElementType.Float32, [1], [0.5]));
        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));
        Assert.Contains("labels must be unsigned bytes", error.Message);
    }

    private static int[] CountPerClass(Tensor labels)
    {
        var counts = new int[10];
        foreach (int label in labels.ToArray<int>())
        {
            Assert.InRange(label, 0, 9);
            counts[label]++;
        }
        return counts;
    }

    private static void WriteSplit(TempFolder folder, string prefix, string separator, bool gzipped, double[] pixels, int[] dims, double[] labels)
    {
        string suffix = gzipped ? ".gz" : "";
        var images = IdxFile.Encode(IdxElementType.UnsignedByte, dims, pixels);
        var labelBytes = IdxFile.Encode(IdxElementType.UnsignedByte, [labels.Length], labels);
        folder.Write($"{prefix}-images{(separator == "." ? ".idx3" : "-idx3")}-ubyte{suffix}", gzipped ? IdxFile.Gzip(images) : images);
        folder.Write($"{prefix}-labels{(separator == "." ? ".idx1" : "-idx1")}-ubyte{suffix}", gzipped ? IdxFile.Gzip(labelBytes) : labelBytes);
    }
}
