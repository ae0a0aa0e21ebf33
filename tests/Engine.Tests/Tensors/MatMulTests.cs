using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Engine.Tests.Tensors;

/// <summary>A batched matmul problem: batch shapes of A and B broadcast; either operand may be 1-D or transposed.</summary>
public sealed record MatMulCase(int[] BatchA, int[] BatchB, int M, int K, int N, bool VectorA, bool VectorB,
    bool TransposeA, bool TransposeB, DType DType, int Seed)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() =>
        $"batchA=({string.Join(",", BatchA)}) batchB=({string.Join(",", BatchB)}) m={M} k={K} n={N} vecA={VectorA} vecB={VectorB} tA={TransposeA} tB={TransposeB} {DType.Name()} seed={Seed}";
}

/// <summary>Generators of matmul cases.</summary>
public static class MatMulArbitraries
{
    /// <summary>Random cases with sizes 1…300 (small batches).</summary>
    public static Arbitrary<MatMulCase> Cases()
    {
        var size = Gen.Frequency((3, Gen.Choose(1, 40)), (1, Gen.Elements(1, 97, 127, 300)));
        var batch = Gen.Choose(0, 2).SelectMany(r => Gen.ArrayOf(Gen.Elements(1, 2, 3), r));
        return Arb.From(
            from batchShape in batch
            from mode in Gen.Choose(0, 2)
            from ones in Gen.ArrayOf(Gen.Elements(false, true), batchShape.Length)
            from swap in Gen.Elements(false, true)
            from m in size
            from k in size
            from n in size
            from va in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
            from vb in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
            from ta in Gen.Elements(false, true)
            from tb in Gen.Elements(false, true)
            from dtype in TensorArbitraries.FloatTypes()
            from seed in Gen.Choose(0, int.MaxValue - 1)
            let other = mode == 0 ? batchShape : mode == 1 ? batchShape.Select((s, i) => ones[i] ? 1 : s).ToArray() : batchShape.Skip(1).ToArray()
            let ba = swap ? other : batchShape
            let bb = swap ? batchShape : other
            select new MatMulCase(va ? [] : ba, vb ? [] : bb, m, k, n, va, vb, ta, tb, dtype, seed));
    }
}

/// <summary>MatMul against a naive triple loop in double.</summary>
[Properties(Arbitrary = [typeof(MatMulArbitraries)], MaxTest = 60)]
public class MatMulTests
{
    [Property]
    public void MatchesNaiveProduct(MatMulCase c)
    {
        var random = new Random(c.Seed);
        int[] shapeA = c.VectorA ? [c.K] : [.. c.BatchA, c.M, c.K];
        int[] shapeB = c.VectorB ? [c.K] : [.. c.BatchB, c.K, c.N];
        var a = Make(NdArray.Random(shapeA, random, -1, 1), c.DType, c.TransposeA && !c.VectorA);
        var b = Make(NdArray.Random(shapeB, random, -1, 1), c.DType, c.TransposeB && !c.VectorB);
        var va = NdArray.Of(a);
        var vb = NdArray.Of(b);
        var result = a.MatMul(b);
        var expected = Naive(va, vb);
        Close.Equal(expected, result, rtol: c.DType == DType.Float32 ? 1e-4 : 1e-11, atol: c.DType == DType.Float32 ? 1e-4 : 1e-11);
    }

    [Fact]
    public void InnerDimensionMismatchNamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(new Shape(2, 3)).MatMul(Tensor.Zeros(new Shape(4, 5))));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
    }

    /// <summary>A tensor holding <paramref name="v"/>, stored transposed (a view of the transposed buffer) when asked.</summary>
    private static Tensor Make(NdArray v, DType dtype, bool transposed)
    {
        if (!transposed) return v.ToTensor(dtype);
        int r = v.Rank;
        var perm = Enumerable.Range(0, r).ToArray();
        (perm[r - 2], perm[r - 1]) = (perm[r - 1], perm[r - 2]);
        return v.Permute(perm).ToTensor(dtype).Transpose(-2, -1);
    }

    private static NdArray Naive(NdArray a, NdArray b)
    {
        var a2 = a.Rank == 1 ? new NdArray([1, a.Shape[0]], a.Data) : a;
        var b2 = b.Rank == 1 ? new NdArray([b.Shape[0], 1], b.Data) : b;
        int m = a2.Shape[^2], k = a2.Shape[^1], n = b2.Shape[^1];
        var batchA = a2.Shape[..^2];
        var batchB = b2.Shape[..^2];
        int rank = Math.Max(batchA.Length, batchB.Length);
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - batchA.Length ? 1 : batchA[i - (rank - batchA.Length)];
            int db = i < rank - batchB.Length ? 1 : batchB[i - (rank - batchB.Length)];
            batch[i] = Math.Max(da, db);
        }
        int batches = batch.Aggregate(1, (x, y) => x * y);
        var result = new double[batches * m * n];
        var index = new int[rank];
        for (int bi = 0; bi < batches; bi++)
        {
            int offA = Offset(index, batchA, rank) * m * k, offB = Offset(index, batchB, rank) * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a2.Data[offA + i * k + p] * b2.Data[offB + p * n + j];
                    result[(bi * m + i) * n + j] = s;
                }
            NdArray.Increment(index, batch);
        }
        var shape = new List<int>(batch);
        if (a.Rank != 1) shape.Add(m);
        if (b.Rank != 1) shape.Add(n);
        return new NdArray([.. shape], result);
    }

    private static int Offset(int[] index, int[] shape, int rank)
    {
        int flat = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            int i = d + rank - shape.Length;
            flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[i]);
        }
        return flat;
    }
}
