using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.Tensors;

/// <summary>How a test operand is laid out in memory (its values are the same either way).</summary>
public enum MemoryLayout
{
    /// <summary>Row-major and dense.</summary>
    Contiguous,
    /// <summary>A permuted view (axes reversed) of a dense buffer.</summary>
    Transposed,
    /// <summary>A stepped slice (every second element of the last axis) of a larger buffer.</summary>
    Strided,
}

/// <summary>A random operand: its shape, memory layout and the seed of its values.</summary>
public sealed record Operand(int[] Shape, MemoryLayout Layout, int Seed)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"({string.Join(", ", Shape)}) {Layout} seed={Seed}";

    internal NdArray Values(double low = -2, double high = 2) => NdArray.Random(Shape, new Random(Seed), low, high);
}

/// <summary>Two operands whose shapes broadcast together under NumPy's rules.</summary>
public sealed record OperandPair(Operand A, Operand B, DType DType)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"A={A} B={B} {DType.Name()}";
}

/// <summary>One operand with a dtype.</summary>
public sealed record TypedOperand(Operand X, DType DType)
{
    /// <summary>Readable in failure reports.</summary>
    public override string ToString() => $"{X} {DType.Name()}";
}

/// <summary>FsCheck generators: shapes of rank 0–4 with sizes 1…300 (primes included), kept under ~20k elements.</summary>
public static class TensorArbitraries
{
    private const long MaxElements = 20_000;

    internal static Gen<int> Dimension() =>
        Gen.Frequency((6, Gen.Choose(1, 6)), (2, Gen.Elements(7, 11, 13, 17, 31)), (1, Gen.Elements(64, 97, 128, 257, 300)));

    internal static Gen<int[]> ShapeOfRank(int rank) =>
        Gen.ArrayOf(Dimension(), rank).Select(Shrink);

    internal static Gen<int[]> AnyShape(int minRank = 0, int maxRank = 4) =>
        from rank in Gen.Choose(minRank, maxRank)
        from shape in ShapeOfRank(rank)
        select shape;

    internal static Gen<MemoryLayout> Layouts() =>
        Gen.Elements(MemoryLayout.Contiguous, MemoryLayout.Contiguous, MemoryLayout.Transposed, MemoryLayout.Strided);

    internal static Gen<DType> FloatTypes() => Gen.Elements(DType.Float32, DType.Float64);

    internal static Gen<Operand> OperandOf(Gen<int[]> shapes) =>
        from shape in shapes
        from layout in Layouts()
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select new Operand(shape, layout, seed);

    /// <summary>Operands of rank 0–4.</summary>
    public static Arbitrary<TypedOperand> Typed() =>
        Arb.From(from x in OperandOf(AnyShape()) from dtype in FloatTypes() select new TypedOperand(x, dtype));

    /// <summary>Broadcastable pairs: B drops leading axes of A and sets some sizes to 1 (or the reverse).</summary>
    public static Arbitrary<OperandPair> Pairs()
    {
        var gen =
            from shape in AnyShape()
            from drop in Gen.Choose(0, shape.Length)
            from ones in Gen.ArrayOf(Gen.Elements(false, false, true), shape.Length)
            from onesInA in Gen.ArrayOf(Gen.Elements(false, false, false, true), shape.Length)
            from swap in Gen.Elements(false, true)
            from layoutA in Layouts()
            from layoutB in Layouts()
            from seedA in Gen.Choose(0, int.MaxValue - 1)
            from seedB in Gen.Choose(0, int.MaxValue - 1)
            from dtype in FloatTypes()
            let b = shape.Skip(drop).Select((s, i) => ones[i + drop] ? 1 : s).ToArray()
            let a = shape.Select((s, i) => onesInA[i] && i >= drop && b[i - drop] != 1 ? 1 : s).ToArray()
            let first = new Operand(a, layoutA, seedA)
            let second = new Operand(b, layoutB, seedB)
            select swap ? new OperandPair(second, first, dtype) : new OperandPair(first, second, dtype);
        return Arb.From(gen);
    }

    /// <summary>A tensor with the values of <paramref name="values"/>, laid out as <paramref name="layout"/> asks.</summary>
    internal static Tensor Make(NdArray values, DType dtype, MemoryLayout layout)
    {
        if (values.Rank == 0 || layout == MemoryLayout.Contiguous) return values.ToTensor(dtype);
        if (layout == MemoryLayout.Transposed)
        {
            var reversed = Enumerable.Range(0, values.Rank).Reverse().ToArray();
            return values.Permute(reversed).ToTensor(dtype).Permute(reversed);
        }
        // Every second element of a buffer twice as long on the last axis, the gaps full of junk.
        int last = values.Shape[^1];
        var bigShape = values.Shape.ToArray();
        bigShape[^1] = 2 * last;
        var big = new double[values.Data.Length * 2];
        for (long i = 0; i < values.Data.Length; i++)
        {
            big[2 * i] = values.Data[i];
            big[2 * i + 1] = 9999;
        }
        return new NdArray(bigShape, big).ToTensor(dtype).Slice(-1, 0, 2 * last, 2);
    }

    internal static Tensor Make(Operand operand, NdArray values, DType dtype) => Make(values, dtype, operand.Layout);

    private static int[] Shrink(int[] shape)
    {
        var s = (int[])shape.Clone();
        while (s.Aggregate(1L, (a, b) => a * b) > MaxElements)
        {
            int largest = Array.IndexOf(s, s.Max());
            s[largest] = Math.Max(1, s[largest] / 4);
        }
        return s;
    }
}
