using Engine.Data;
using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Data;

/// <summary>Batching, shuffling and epoch coverage of <see cref="DataLoader"/>.</summary>
public class DataLoaderTests
{
    /// <summary>x row i is [i, 1000 + i, 2000 + i] and y row i is i, so a batch shows which rows it holds.</summary>
    private static (Tensor X, Tensor Y) Rows(int n)
    {
        var x = Enumerable.Range(0, n).SelectMany(i => new float[] { i, 1000 + i, 2000 + i }).ToArray();
        return (Tensor.FromArray(x, new Shape(n, 3)), Tensor.FromArray(Enumerable.Range(0, n).ToArray()));
    }

    private static List<int[]> Epoch(DataLoader loader)
    {
        var batches = new List<int[]>();
        foreach (var (x, y) in loader)
        {
            var ids = y.ToArray<int>();
            var xs = x.ToArray<float>();
            for (int i = 0; i < ids.Length; i++)
                Assert.Equal(new float[] { ids[i], 1000 + ids[i], 2000 + ids[i] }, xs[(3 * i)..(3 * i + 3)]);
            batches.Add(ids);
        }
        return batches;
    }

    [Property(MaxTest = 50)]
    public void EveryEpochCoversEveryRowOnceInBatchesOfTheRightSize(byte rows, byte batch, bool shuffle, bool dropLast, int seed)
    {
        int n = rows % 40 + 1, batchSize = batch % 12 + 1;
        var (x, y) = Rows(n);
        var loader = new DataLoader(x, y, batchSize, shuffle, new Generator((ulong)seed), dropLast);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var batches = Epoch(loader);
            Assert.Equal(loader.BatchCount, batches.Count);
            Assert.All(batches.Take(n / batchSize), b => Assert.Equal(batchSize, b.Length));
            var seen = batches.SelectMany(b => b).Order().ToArray();
            if (dropLast)
            {
                Assert.Equal(n / batchSize * batchSize, seen.Length);
                Assert.Equal(seen.Length, seen.Distinct().Count());
            }
            else
            {
                Assert.Equal(Enumerable.Range(0, n), seen);
                if (n % batchSize != 0) Assert.Equal(n % batchSize, batches[^1].Length);
            }
        }
    }

    [Fact]
    public void BatchShapesKeepTheTrailingAxes()
    {
        var x = Tensor.Zeros(new Shape(10, 1, 4, 4));
        var y = Tensor.Zeros(new Shape(10), DType.Int32);
        var shapes = new DataLoader(x, y, 4).Select(b => (b.X.Shape.ToArray(), b.Y.Shape.ToArray())).ToList();
        Assert.Equal(3, shapes.Count);
        Assert.Equal(new[] { 4, 1, 4, 4 }, shapes[0].Item1);
        Assert.Equal(new[] { 2, 1, 4, 4 }, shapes[2].Item1);
        Assert.Equal(new[] { 2 }, shapes[2].Item2);
    }

    [Fact]
    public void WithoutShuffleRowsComeInOrder() =>
        Assert.Equal(Enumerable.Range(0, 7), Epoch(new DataLoader(Rows(7).X, Rows(7).Y, 3)).SelectMany(b => b));

    [Fact]
    public void ShufflingIsReproducibleFromTheSeedAndDiffersBetweenEpochs()
    {
        var (x, y) = Rows(50);
        var first = new DataLoader(x, y, 8, shuffle: true, generator: new Generator(42));
        var second = new DataLoader(x, y, 8, shuffle: true, generator: new Generator(42));
        var other = new DataLoader(x, y, 8, shuffle: true, generator: new Generator(43));
        var epoch1 = Epoch(first).SelectMany(b => b).ToArray();
        var epoch2 = Epoch(first).SelectMany(b => b).ToArray();
        Assert.Equal(epoch1, Epoch(second).SelectMany(b => b));
        Assert.Equal(epoch2, Epoch(second).SelectMany(b => b));
        Assert.NotEqual(epoch1, epoch2);
        Assert.NotEqual(epoch1, Epoch(other).SelectMany(b => b));
        Assert.NotEqual(Enumerable.Range(0, 50), epoch1);
    }

    [Fact]
    public void BadArgumentsThrowNamingTheShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new DataLoader(Tensor.Zeros(new Shape(5, 2)), Tensor.Zeros(new Shape(4)), 2));
        Assert.Contains("[5, 2]", error.Message.Replace("(", "[").Replace(")", "]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Rows(3).X, Rows(3).Y, 0));
    }

    [Fact]
    public void AugmentTransformsEachBatchOfInputsOnly()
    {
        var x = Tensor.Arange(12, DType.Float32).Reshape(6, 2);
        var y = Tensor.Arange(6, DType.Float32);
        var loader = new DataLoader(x, y, batchSize: 4) { Augment = batch => batch * 10.0 };
        var batches = loader.ToList();
        Assert.Equal(new float[] { 0, 10, 20, 30, 40, 50, 60, 70 }, batches[0].X.ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3 }, batches[0].Y.ToArray<float>());
        Assert.Equal(new float[] { 80, 90, 100, 110 }, batches[1].X.ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, x.ToArray<float>()); // the data itself is untouched
    }
}
