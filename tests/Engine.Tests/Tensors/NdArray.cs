using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary>
/// The test oracle: a plain row-major array of doubles with a shape, and the NumPy rules written out
/// element by element, independent of the engine's strides, views and kernels.
/// </summary>
internal sealed class NdArray
{
    public NdArray(int[] shape, double[] data)
    {
        if (data.Length != shape.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException("NdArray: data does not fill the shape.");
        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }
    public double[] Data { get; }
    public int Rank => Shape.Length;

    public static NdArray Of(Tensor t) => new(t.Shape.ToArray(), t.ToDoubles());

    public static NdArray Random(int[] shape, Random random, double low = -2, double high = 2)
    {
        var data = new double[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * random.NextDouble();
        return new NdArray(shape, data);
    }

    public Tensor ToTensor(DType dtype) => Tensor.FromArray(Data, new Engine.Tensors.Shape(Shape)).To(dtype);

    public double this[int[] index]
    {
        get
        {
            long flat = 0;
            for (int d = 0; d < Rank; d++) flat = flat * Shape[d] + index[d];
            return Data[flat];
        }
    }

    public NdArray Map(Func<double, double> f) => new(Shape, Data.Select(f).ToArray());

    /// <summary>NumPy broadcasting, written with explicit index arithmetic.</summary>
    public static NdArray Zip(NdArray a, NdArray b, Func<double, double, double> f)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = Dim(a, i, rank), db = Dim(b, i, rank);
            if (da != db && da != 1 && db != 1) throw new ArgumentException("not broadcastable");
            shape[i] = Math.Max(da, db) == 0 || Math.Min(da, db) == 0 ? 0 : Math.Max(da, db);
        }
        var result = new double[shape.Aggregate(1L, (x, y) => x * y)];
        var index = new int[rank];
        for (long flat = 0; flat < result.Length; flat++)
        {
            result[flat] = f(a[Project(a, index, rank)], b[Project(b, index, rank)]);
            Increment(index, shape);
        }
        return new NdArray(shape, result);
    }

    /// <summary>Reduces the given axes with keepDims semantics, then drops them unless asked.</summary>
    public NdArray Reduce(int[] axes, Func<IEnumerable<double>, double> f, bool keepDims)
    {
        var outShape = Shape.Select((s, i) => axes.Contains(i) ? 1 : s).ToArray();
        var groups = new List<double>[outShape.Aggregate(1, (x, y) => x * y)];
        for (int i = 0; i < groups.Length; i++) groups[i] = [];
        var index = new int[Rank];
        for (long flat = 0; flat < Data.Length; flat++)
        {
            long outFlat = 0;
            for (int d = 0; d < Rank; d++) outFlat = outFlat * outShape[d] + (axes.Contains(d) ? 0 : index[d]);
            groups[outFlat].Add(Data[flat]);
            Increment(index, Shape);
        }
        var data = groups.Select(f).ToArray();
        var shape = keepDims ? outShape : Shape.Where((_, i) => !axes.Contains(i)).ToArray();
        return new NdArray(shape, data);
    }

    /// <summary>Element at <paramref name="index"/> of a permuted view: result axis i = source axis perm[i].</summary>
    public NdArray Permute(int[] perm)
    {
        var shape = perm.Select(p => Shape[p]).ToArray();
        var result = new double[Data.Length];
        var index = new int[Rank];
        var source = new int[Rank];
        for (long flat = 0; flat < result.Length; flat++)
        {
            for (int i = 0; i < Rank; i++) source[perm[i]] = index[i];
            result[flat] = this[source];
            Increment(index, shape);
        }
        return new NdArray(shape, result);
    }

    public static void Increment(int[] index, int[] shape)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return;
            index[d] = 0;
        }
    }

    private static int Dim(NdArray a, int i, int rank) => i < rank - a.Rank ? 1 : a.Shape[i - (rank - a.Rank)];

    private static int[] Project(NdArray a, int[] index, int rank)
    {
        var own = new int[a.Rank];
        for (int d = 0; d < a.Rank; d++)
        {
            int i = d + rank - a.Rank;
            own[d] = a.Shape[d] == 1 ? 0 : index[i];
        }
        return own;
    }
}

/// <summary>Tolerant comparison of a tensor with the double-precision oracle.</summary>
internal static class Close
{
    /// <summary>Per-dtype tolerances in the spirit of JAX's table.</summary>
    public static (double Rtol, double Atol) Tolerance(DType dtype) =>
        dtype == DType.Float64 ? (1e-12, 1e-12) : (2e-6, 1e-6);

    public static void Equal(NdArray expected, Tensor actual, double? rtol = null, double? atol = null, string what = "")
    {
        Assert.Equal(expected.Shape, actual.Shape.ToArray());
        var (r, a) = Tolerance(actual.DType);
        r = rtol ?? r; a = atol ?? a;
        var got = actual.ToDoubles();
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected.Data[i], g = got[i];
            if (double.IsNaN(e) && double.IsNaN(g)) continue;
            if (e == g) continue;
            Assert.True(Math.Abs(e - g) <= a + r * Math.Abs(e),
                $"{what} element {i} of shape ({string.Join(", ", expected.Shape)}): expected {e:R}, got {g:R} ({actual.DType.Name()}, rtol {r}, atol {a})");
        }
    }
}
