using Engine.Tensors;

namespace Engine.Backends;

/// <summary>How the backends see their operands' shapes: the index arithmetic every device needs, written once.</summary>
internal static class OperandLayout
{
    /// <summary>
    /// The shape as [outer, length, inner] around the adjacent axes [<paramref name="axis"/>, <paramref name="axis"/> +
    /// <paramref name="count"/>): the layout the reduction, softmax, gather and normalisation kernels take.
    /// </summary>
    public static (long Outer, long Length, long Inner) Split3(Shape shape, int axis, int count)
    {
        long outer = 1, length = 1, inner = 1;
        for (int i = 0; i < shape.Rank; i++)
        {
            if (i < axis) outer *= shape[i];
            else if (i < axis + count) length *= shape[i];
            else inner *= shape[i];
        }
        return (outer, length, inner);
    }

    /// <summary>
    /// Each batch item's element offset into a, b and c of a batched matrix product whose batch axes are already
    /// broadcast to c's (stride 0 where repeated); c is contiguous, <paramref name="matrix"/> elements per item.
    /// </summary>
    public static (long[] A, long[] B, long[] C) BatchOffsets(Tensor a, Tensor b, Tensor c, long batch, long matrix)
    {
        int batchRank = c.Rank - 2;
        var aOffsets = new long[batch]; var bOffsets = new long[batch]; var cOffsets = new long[batch];
        var index = new int[batchRank];
        for (long i = 0; i < batch; i++)
        {
            for (int d = 0; d < batchRank; d++)
            {
                aOffsets[i] += index[d] * a.Strides[d];
                bOffsets[i] += index[d] * b.Strides[d];
            }
            cOffsets[i] = i * matrix;
            for (int d = batchRank - 1; d >= 0; d--)
            {
                if (++index[d] < c.Shape[d]) break;
                index[d] = 0;
            }
        }
        return (aOffsets, bOffsets, cOffsets);
    }
}
