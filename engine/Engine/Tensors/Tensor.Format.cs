using System.Globalization;
using System.Text;

namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>Tensors with more elements than this print only their edges.</summary>
    public const int PrintThreshold = 1000;

    private const int PrintEdgeItems = 3;

    /// <summary>
    /// NumPy-style text: the values (edges only with <c>...</c> past <see cref="PrintThreshold"/> elements),
    /// then shape, dtype and device, e.g. <c>tensor([[1.0000, 2.0000]], shape=(1, 2), dtype=float32, device=cpu)</c>.
    /// </summary>
    public override string ToString()
    {
        if (Storage.IsDisposed) return $"tensor(<disposed>, shape={Shape}, dtype={DType.Name()}, device={Device})";
        var values = ToDoubles();
        bool summarize = NumElements > PrintThreshold;
        var formatter = new ValueFormatter(DType, values);
        var sb = new StringBuilder("tensor(");
        var strides = Shape.ContiguousStrides();
        AppendValues(sb, values, strides, 0, 0, formatter, summarize, indent: 7);
        sb.Append($", shape={Shape}, dtype={DType.Name()}, device={Device})");
        return sb.ToString();
    }

    private void AppendValues(StringBuilder sb, double[] values, long[] strides, int axis, long offset, ValueFormatter formatter, bool summarize, int indent)
    {
        if (axis == Rank)
        {
            sb.Append(formatter.Format(values[offset]));
            return;
        }
        int n = Shape[axis];
        sb.Append('[');
        bool elide = summarize && n > 2 * PrintEdgeItems;
        bool first = true;
        for (int i = 0; i < n; i++)
        {
            if (elide && i == PrintEdgeItems)
            {
                sb.Append(axis == Rank - 1 ? ", ..." : ",\n" + new string(' ', indent + 1) + "...");
                i = n - PrintEdgeItems - 1;
                continue;
            }
            if (!first) sb.Append(axis == Rank - 1 ? ", " : "," + new string('\n', Rank - axis - 1) + new string(' ', indent + 1));
            first = false;
            AppendValues(sb, values, strides, axis + 1, offset + i * strides[axis], formatter, summarize, indent + 1);
        }
        sb.Append(']');
    }

    /// <summary>Formats all values of one tensor with a common width, like NumPy.</summary>
    private sealed class ValueFormatter
    {
        private readonly DType _dtype;
        private readonly bool _scientific;
        private readonly int _width;

        public ValueFormatter(DType dtype, double[] values)
        {
            _dtype = dtype;
            var finite = values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).ToArray();
            double max = finite.Max(), minNonZero = finite.Where(v => v > 0).DefaultIfEmpty(1).Min();
            _scientific = dtype.IsFloating() && (max >= 1e8 || minNonZero < 1e-4);
            _width = values.Length == 0 ? 0 : values.Take(4096).Max(v => Raw(v).Length);
        }

        public string Format(double value) => Raw(value).PadLeft(_width);

        private string Raw(double value) => _dtype switch
        {
            DType.Bool => value != 0 ? "True" : "False",
            DType.Int32 => ((long)value).ToString(CultureInfo.InvariantCulture),
            _ when double.IsNaN(value) => "nan",
            _ when double.IsInfinity(value) => value > 0 ? "inf" : "-inf",
            _ => value.ToString(_scientific ? "0.0000e+00" : "0.0000", CultureInfo.InvariantCulture),
        };
    }
}
