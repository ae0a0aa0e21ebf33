using Engine.Data;
using Engine.Tensors;
using FsCheck.Xunit;

namespace Engine.Tests.Data;

/// <summary>.npy and .npz: files written by NumPy (Data/Fixtures, made by make_fixtures.py) and round trips.</summary>
public class NpyTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);

    // make_fixtures.py's shared values: arange(24) * 0.5 - 2, shape (2, 3, 4).
    private static double[] Grid => [.. Enumerable.Range(0, 24).Select(i => i * 0.5 - 2)];

    private static void AssertTensor(Tensor t, DType dtype, int[] shape, double[] values)
    {
        Assert.Equal(dtype, t.DType);
        Assert.Equal(shape, t.Shape.ToArray());
        Assert.Equal(values, t.ToDoubles());
    }

    [Theory]
    [InlineData("f4_c.npy", new[] { 6, 4 })]
    [InlineData("f4_big_endian.npy", new[] { 4, 6 })]
    [InlineData("f4_v2.npy", new[] { 24 })]
    [InlineData("f4_v3.npy", new[] { 24 })]
    public void ReadsNumpyFloat32InEveryHeaderVersionAndByteOrder(string file, int[] shape) =>
        AssertTensor(Npy.Load(Fixture(file)), DType.Float32, shape, Grid);

    [Fact]
    public void ReadsFortranOrderIntoRowMajor() =>
        AssertTensor(Npy.Load(Fixture("f8_fortran.npy")), DType.Float64, [2, 3, 4], Grid);

    [Fact]
    public void ReadsBigEndianFortranInt64AsInt32() =>
        AssertTensor(Npy.Load(Fixture("i8_big_endian_fortran.npy")), DType.Int32, [2, 3], [-2, -1, 0, 1, 2, 3]);

    [Fact]
    public void ReadsIntegersAndBool()
    {
        AssertTensor(Npy.Load(Fixture("i8.npy")), DType.Int32, [5], [-3, 0, 7, int.MaxValue, int.MinValue]);
        AssertTensor(Npy.Load(Fixture("i4.npy")), DType.Int32, [3, 2], [-3, -2, -1, 0, 1, 2]);
        AssertTensor(Npy.Load(Fixture("u1.npy")), DType.Int32, [2, 3], [0, 1, 255, 128, 7, 9]);
        var mask = Npy.Load(Fixture("b1.npy"));
        Assert.Equal(DType.Bool, mask.DType);
        Assert.Equal(new[] { true, false, false, true, true, false }, mask.ToArray<bool>());
    }

    [Fact]
    public void ReadsAZeroDimensionalArray() =>
        AssertTensor(Npy.Load(Fixture("scalar_f8.npy")), DType.Float64, [], [3.25]);

    [Fact]
    public void Int64OutsideInt32RangeThrowsNamingTheElement()
    {
        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(Fixture("i8_out_of_range.npy")));
        Assert.Contains("element 1 = 1099511627776", error.Message);
        Assert.Contains("i8_out_of_range.npy", error.Message);
    }

    [Fact]
    public void StructuredArraysAreRejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(Fixture("structured.npy")));
        Assert.Contains("structured dtypes are not supported", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(60)]
    [InlineData(200)]
    public void TruncatedFilesThrowNamingTheFile(int keep)
    {
        var bytes = File.ReadAllBytes(Fixture("f4_c.npy"));
        using var folder = new TempFolder();
        string path = folder.Write("cut.npy", bytes[..keep]);
        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadsNpzStoredAndDeflated()
    {
        var stored = Npz.Load(Fixture("stored.npz"));
        Assert.Equal(new[] { "x", "labels" }, stored.Keys);
        AssertTensor(stored["x"], DType.Float32, [2, 3, 4], Grid);
        AssertTensor(stored["labels"], DType.Int32, [3], [1, 0, 2]);
        var deflated = Npz.Load(Fixture("deflated.npz"));
        AssertTensor(deflated["arr_0"], DType.Float64, [2, 3, 4], Grid);
        Assert.Equal(new[] { true, false }, deflated["arr_1"].ToArray<bool>());
    }

    [Property(MaxTest = 40)]
    public void SaveThenLoadGivesTheSameTensor(int seed)
    {
        var random = new Random(seed);
        var original = RandomTensor(random);
        using var folder = new TempFolder();
        string path = folder.File("round.npy");
        Npy.Save(path, original);
        // NumPy aligns the data to 64 bytes; so does Save.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0, (bytes.Length - original.NumElements * original.DType.SizeOf()) % 64);
        var loaded = Npy.Load(path);
        Assert.Equal(original.DType, loaded.DType);
        Assert.Equal(original.Shape, loaded.Shape);
        Assert.Equal(original.ToDoubles(), loaded.ToDoubles());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NpzSaveThenLoadKeepsNamesAndValues(bool compress)
    {
        var random = new Random(11);
        var arrays = new Dictionary<string, Tensor> { ["w"] = RandomTensor(random), ["b"] = RandomTensor(random), ["mask"] = Tensor.FromArray(new[] { true, false, true }) };
        using var folder = new TempFolder();
        string path = folder.File("arrays.npz");
        Npz.Save(path, arrays, compress);
        var loaded = Npz.Load(path);
        Assert.Equal(arrays.Keys, loaded.Keys);
        foreach (var (name, tensor) in arrays)
        {
            Assert.Equal(tensor.Shape, loaded[name].Shape);
            Assert.Equal(tensor.ToDoubles(), loaded[name].ToDoubles());
        }
    }

    [Fact]
    public void NpzThatIsNotAZipThrowsNamingTheFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("not-a-zip.npz", File.ReadAllBytes(Fixture("f4_c.npy")));
        var error = Assert.Throws<InvalidDataException>(() => Npz.Load(path));
        Assert.Contains(path, error.Message);
    }

    private static Tensor RandomTensor(Random random)
    {
        var dims = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(1, 5)).ToArray();
        int n = dims.Aggregate(1, (a, d) => a * d);
        var shape = new Shape(dims);
        return random.Next(4) switch
        {
            0 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(), shape),
            1 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1e6 - 5e5).ToArray(), shape),
            2 => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray(), shape),
            _ => Tensor.FromArray(Enumerable.Range(0, n).Select(_ => random.Next(2) == 1).ToArray(), shape),
        };
    }
}
