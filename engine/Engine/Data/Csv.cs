using System.Globalization;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>
/// Reads numeric CSV (or other delimited) text into a 2-D tensor [rows, columns]. Every row must have
/// the same number of fields; blank lines are skipped; fields may be surrounded by spaces or double
/// quotes; numbers use the invariant culture ("1.5", "-2e-3", "NaN").
/// </summary>
public static class Csv
{
    /// <summary>Loads the numeric table in the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="hasHeader">Skip the first non-blank line (column names).</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="dtype">Float32 (default) or Float64.</param>
    /// <exception cref="FormatException">A field is not a number, or a row has the wrong number of fields; the message names the file, line and column.</exception>
    public static Tensor Load(string path, bool hasHeader = false, char delimiter = ',', DType dtype = DType.Float32)
    {
        using var reader = new StreamReader(path);
        return Load(reader, path, hasHeader, delimiter, dtype);
    }

    /// <summary>Loads a numeric table from a reader; <paramref name="source"/> names it in error messages.</summary>
    /// <param name="reader">The text to read.</param>
    /// <param name="source">A name for the text in error messages.</param>
    /// <param name="hasHeader">Skip the first non-blank line (column names).</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="dtype">Float32 (default) or Float64.</param>
    /// <exception cref="FormatException">A field is not a number, or a row has the wrong number of fields.</exception>
    public static Tensor Load(TextReader reader, string source, bool hasHeader = false, char delimiter = ',', DType dtype = DType.Float32)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"Csv.Load: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        var values = new List<double>();
        int columns = -1, rows = 0, lineNumber = 0;
        bool headerPending = hasHeader;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (headerPending) { headerPending = false; continue; }
            var fields = line.Split(delimiter);
            if (columns < 0) columns = fields.Length;
            else if (fields.Length != columns)
                throw new FormatException($"Csv '{source}' line {lineNumber}: {fields.Length} fields, but earlier rows have {columns} (delimiter '{delimiter}').");
            for (int c = 0; c < fields.Length; c++) values.Add(ParseField(fields[c], source, lineNumber, c + 1));
            rows++;
        }
        var shape = new Shape(rows, Math.Max(columns, 0));
        var data = values.ToArray();
        return dtype == DType.Float64
            ? Tensor.FromArray(data, shape)
            : Tensor.FromArray(Array.ConvertAll(data, v => (float)v), shape);
    }

    private static double ParseField(string field, string source, int line, int column)
    {
        var text = field.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1].Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        throw new FormatException($"Csv '{source}' line {line}, column {column}: '{field}' is not a number.");
    }
}
