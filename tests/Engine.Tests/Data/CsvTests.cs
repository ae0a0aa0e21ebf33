using Engine.Data;
using Engine.Tensors;

namespace Engine.Tests.Data;

/// <summary>Numeric CSV parsing and its error messages.</summary>
public class CsvTests
{
    private static Tensor Parse(string text, bool hasHeader = false, char delimiter = ',', DType dtype = DType.Float32) =>
        Csv.Load(new StringReader(text), "table.csv", hasHeader, delimiter, dtype);

    [Fact]
    public void ParsesRowsIntoAMatrix()
    {
        var t = Parse("1,2.5,-3\n4e2, 5 ,\"6\"\n");
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(new[] { 2, 3 }, t.Shape.ToArray());
        Assert.Equal(new double[] { 1, 2.5, -3, 400, 5, 6 }, t.ToDoubles());
    }

    [Fact]
    public void SkipsTheHeaderAndBlankLinesAndHonoursTheDelimiter()
    {
        var t = Parse("a;b\r\n\r\n0.1;0.2\r\n0.3;NaN\r\n\r\n", hasHeader: true, delimiter: ';', dtype: DType.Float64);
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(new[] { 2, 2 }, t.Shape.ToArray());
        var values = t.ToArray<double>();
        Assert.Equal(new[] { 0.1, 0.2, 0.3 }, values[..3]);
        Assert.True(double.IsNaN(values[3]));
    }

    [Fact]
    public void ANonNumberNamesTheLineAndColumn()
    {
        var error = Assert.Throws<FormatException>(() => Parse("x,y\n1,2\n3,abc\n", hasHeader: true));
        Assert.Contains("'table.csv' line 3, column 2", error.Message);
        Assert.Contains("'abc'", error.Message);
    }

    [Fact]
    public void ARaggedRowNamesTheLineAndTheCounts()
    {
        var error = Assert.Throws<FormatException>(() => Parse("1,2,3\n4,5\n"));
        Assert.Contains("line 2", error.Message);
        Assert.Contains("2 fields, but earlier rows have 3", error.Message);
    }

    [Fact]
    public void LoadsFromAFileAndRejectsIntegerDtypes()
    {
        using var folder = new TempFolder();
        string path = folder.File("data.csv");
        File.WriteAllText(path, "1,2\n3,4\n");
        Assert.Equal(new double[] { 1, 2, 3, 4 }, Csv.Load(path).ToDoubles());
        Assert.Throws<ArgumentException>(() => Csv.Load(path, dtype: DType.Int32));
    }

    [Fact]
    public void AnEmptyFileIsAnEmptyMatrix() => Assert.Equal(new[] { 0, 0 }, Parse("").Shape.ToArray());
}
