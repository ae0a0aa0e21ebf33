using Engine.Data;
using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Data;

/// <summary>Train/validation splits.</summary>
public class DataSplitTests
{
    private static (Tensor X, Tensor Y) Rows(int n) =>
        (Tensor.FromArray(Enumerable.Range(0, n).SelectMany(i => new double[] { i, -i }).ToArray(), new Shape(n, 2)),
         Tensor.FromArray(Enumerable.Range(0, n).ToArray()));

    [Property(MaxTest = 50)]
    public void PartsAreDisjointCoverEveryRowAndKeepXAndYTogether(byte rows, byte percent, bool shuffle, int seed)
    {
        int n = rows % 60 + 2;
        double fraction = (percent % 99 + 1) / 100.0;
        int validation = (int)Math.Round(n * fraction, MidpointRounding.AwayFromZero);
        var (x, y) = Rows(n);
        if (validation <= 0 || validation >= n)
        {
            Assert.Throws<ArgumentException>(() => DataSplit.TrainValidation(x, y, fraction, shuffle, (ulong)seed));
            return;
        }
        var split = DataSplit.TrainValidation(x, y, fraction, shuffle, (ulong)seed);
        var train = split.TrainY.ToArray<int>();
        var held = split.ValidationY.ToArray<int>();
        Assert.Equal(validation, held.Length);
        Assert.Equal(Enumerable.Range(0, n), train.Concat(held).Order());
        Assert.Equal(train.SelectMany(i => new double[] { i, -i }), split.TrainX.ToDoubles());
        Assert.Equal(held.SelectMany(i => new double[] { i, -i }), split.ValidationX.ToDoubles());
        if (!shuffle) Assert.Equal(Enumerable.Range(n - validation, validation), held);
    }

    [Fact]
    public void TheSameSeedGivesTheSameSplit()
    {
        var (x, y) = Rows(40);
        var a = DataSplit.TrainValidation(x, y, 0.25, seed: 5).ValidationY.ToArray<int>();
        var b = DataSplit.TrainValidation(x, y, 0.25, seed: 5).ValidationY.ToArray<int>();
        var c = DataSplit.TrainValidation(x, y, 0.25, seed: 6).ValidationY.ToArray<int>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(Enumerable.Range(30, 10), a);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(0.01)]
    public void FractionsThatLeaveAPartEmptyThrow(double fraction)
    {
        var (x, y) = Rows(10);
        var error = Assert.Throws<ArgumentException>(() => DataSplit.TrainValidation(x, y, fraction));
        Assert.Contains("validationFraction", error.Message);
    }

    [Fact]
    public void MismatchedRowsThrow() =>
        Assert.Throws<ArgumentException>(() => DataSplit.TrainValidation(Rows(4).X, Rows(5).Y, 0.5));
}
