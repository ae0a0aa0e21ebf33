using Engine.Tensors;

namespace Engine.Data;

/// <summary>One part (training or test) of an MNIST-style data set.</summary>
/// <param name="Images">float32 [N, 1, H, W] (NCHW, one channel; 28 × 28 for MNIST), grey levels divided by 255 into [0, 1].</param>
/// <param name="Labels">int32 [N], the class of each image (0–9 for MNIST).</param>
public sealed record MnistSplit(Tensor Images, Tensor Labels)
{
    /// <summary>The number of images.</summary>
    public int Count => Labels.Shape[0];
}

/// <summary>The training and test parts of an MNIST-style data set; deconstructs as <c>var (train, test) = …</c>.</summary>
/// <param name="Train">The training images and labels.</param>
/// <param name="Test">The test images and labels.</param>
public sealed record MnistDataset(MnistSplit Train, MnistSplit Test);

/// <summary>
/// Loads MNIST from IDX files. <see cref="Load()"/> returns the 10,000 real digits bundled with the
/// engine (8,000 training, 2,000 test, every class in both; see data/mnist/README.md for provenance
/// and licence); <see cref="Load(string)"/> reads the standard files from a folder, e.g. the full
/// 60,000/10,000 set or Fashion-MNIST. Images come channels-first, [N, 1, 28, 28], because the
/// engine's convolutions are NCHW (Keras users pass channels-last [N, 28, 28, 1]).
/// </summary>
public static class Mnist
{
    /// <summary>The standard file names, in the order training images, training labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    private const string ResourcePrefix = "Engine.Data.Mnist.";

    /// <summary>The bundled subset: 8,000 training and 2,000 test digits, read from resources in the Engine assembly.</summary>
    public static MnistDataset Load() => new(
        LoadBundledSplit(FileNames[0], FileNames[1]),
        LoadBundledSplit(FileNames[2], FileNames[3]));

    /// <summary>
    /// Reads the four standard IDX files from <paramref name="folder"/>; each may be gzipped (name ending
    /// in .gz) or plain.
    /// </summary>
    /// <exception cref="FileNotFoundException">One of the files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or images and labels disagree.</exception>
    public static MnistDataset Load(string folder) => new(
        LoadSplit(FindFile(folder, FileNames[0]), FindFile(folder, FileNames[1])),
        LoadSplit(FindFile(folder, FileNames[2]), FindFile(folder, FileNames[3])));

    private static MnistSplit LoadBundledSplit(string images, string labels) =>
        ToSplit(ReadResource(images), images, ReadResource(labels), labels);

    private static MnistSplit LoadSplit(string images, string labels) =>
        ToSplit(Idx.Read(images), images, Idx.Read(labels), labels);

    private static IdxArray ReadResource(string name)
    {
        string resource = ResourcePrefix + name + ".gz";
        using var stream = typeof(Mnist).Assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"Mnist.Load: the Engine assembly has no embedded resource '{resource}'.");
        return Idx.Read(stream, resource);
    }

    private static string FindFile(string folder, string name)
    {
        // The distribution ships .gz files; many people unpack them, and some mirrors use a dot before "idx".
        string[] candidates = [name + ".gz", name, name.Replace("-idx", ".idx") + ".gz", name.Replace("-idx", ".idx")];
        foreach (var candidate in candidates)
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"Mnist.Load: no '{name}' file in '{folder}' (looked for {string.Join(", ", candidates)}).");
    }

    private static MnistSplit ToSplit(IdxArray images, string imagesSource, IdxArray labels, string labelsSource)
    {
        if (images.ElementType != IdxElementType.UnsignedByte || images.Dims.Count != 3)
            throw new InvalidDataException($"Mnist.Load: '{imagesSource}' holds {images.ElementType} [{string.Join(", ", images.Dims)}]; images must be unsigned bytes [N, rows, columns].");
        if (labels.ElementType != IdxElementType.UnsignedByte || labels.Dims.Count != 1)
            throw new InvalidDataException($"Mnist.Load: '{labelsSource}' holds {labels.ElementType} [{string.Join(", ", labels.Dims)}]; labels must be unsigned bytes [N].");
        if (images.Dims[0] != labels.Dims[0])
            throw new InvalidDataException($"Mnist.Load: image/label count mismatch, '{imagesSource}' has {images.Dims[0]} images but '{labelsSource}' has {labels.Dims[0]} labels.");
        return new MnistSplit(ScaledImages(images), labels.ToTensor());
    }

    private static Tensor ScaledImages(IdxArray images)
    {
        var grey = images.Data.Span;
        var scaled = new float[grey.Length];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = grey[i] / 255f;
        return Tensor.FromArray(scaled, new Shape(images.Dims[0], 1, images.Dims[1], images.Dims[2]));
    }
}
