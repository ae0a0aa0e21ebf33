using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>
/// The CPU implementation of <see cref="IBackend"/>: walks strided views with <see cref="Layout"/> and
/// hands contiguous rows to the hand-written kernels of Engine.Kernels.Cpu.
/// </summary>
/// <remarks>
/// Raw pointers are taken from storage, so every method keeps its tensors alive (GC.KeepAlive) until
/// the kernels return; otherwise a finalizer could hand a block back to the pool mid-kernel.
/// </remarks>
public sealed unsafe partial class CpuBackend : IBackend
{
    private readonly Func<Device> _device;

    internal CpuBackend(Func<Device> device) => _device = device;

    /// <inheritdoc/>
    public Storage Allocate(DType dtype, long count) => new CpuStorage(_device(), dtype, count);

    /// <inheritdoc/>
    public MemoryStatistics MemoryStatistics => CpuMemoryPool.Statistics;

    /// <inheritdoc/>
    public void ReleaseCachedMemory() => CpuMemoryPool.ReleaseCached();

    /// <inheritdoc/>
    public void Synchronize() { }

    /// <inheritdoc/>
    public void CopyFromHost(ReadOnlySpan<byte> src, Storage dst, long elementOffset)
    {
        var storage = (CpuStorage)dst;
        long byteOffset = elementOffset * dst.DType.SizeOf();
        if (byteOffset + src.Length > dst.ByteLength)
            throw new ArgumentException($"CopyFromHost: {src.Length} bytes at byte {byteOffset} overrun storage of {dst.ByteLength} bytes.");
        fixed (byte* s = src) Buffer.MemoryCopy(s, (byte*)storage.Pointer + byteOffset, src.Length, src.Length);
        GC.KeepAlive(storage);
    }

    /// <inheritdoc/>
    public void CopyToHost(Storage src, long elementOffset, Span<byte> dst)
    {
        var storage = (CpuStorage)src;
        long byteOffset = elementOffset * src.DType.SizeOf();
        if (byteOffset + dst.Length > src.ByteLength)
            throw new ArgumentException($"CopyToHost: {dst.Length} bytes at byte {byteOffset} overrun storage of {src.ByteLength} bytes.");
        fixed (byte* d = dst) Buffer.MemoryCopy((byte*)storage.Pointer + byteOffset, d, dst.Length, dst.Length);
        GC.KeepAlive(storage);
    }

    /// <inheritdoc/>
    public void Fill(Tensor dst, double value)
    {
        switch (dst.DType)
        {
            case DType.Float32: FillTyped(dst, (float)value); break;
            case DType.Float64: FillTyped(dst, value); break;
            case DType.Int32: FillTyped(dst, checked((int)value)); break;
            default: FillTyped(dst, (byte)(value != 0 ? 1 : 0)); break;
        }
        GC.KeepAlive(dst);
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        if (src.DType == dst.DType)
        {
            switch (src.DType)
            {
                case DType.Float32: StridedCopy.Run(src.Shape.AsSpan(), Ptr<float>(src), src.StrideArray, Ptr<float>(dst), dst.StrideArray); break;
                case DType.Float64: StridedCopy.Run(src.Shape.AsSpan(), Ptr<double>(src), src.StrideArray, Ptr<double>(dst), dst.StrideArray); break;
                case DType.Int32: StridedCopy.Run(src.Shape.AsSpan(), Ptr<int>(src), src.StrideArray, Ptr<int>(dst), dst.StrideArray); break;
                default: StridedCopy.Run(src.Shape.AsSpan(), Ptr<byte>(src), src.StrideArray, Ptr<byte>(dst), dst.StrideArray); break;
            }
        }
        else
        {
            switch (src.DType)
            {
                case DType.Float32: ConvertFrom<float>(src, dst); break;
                case DType.Float64: ConvertFrom<double>(src, dst); break;
                case DType.Int32: ConvertFrom<int>(src, dst); break;
                default: ConvertFrom<byte>(src, dst); break;
            }
        }
        GC.KeepAlive(src); GC.KeepAlive(dst);
    }

    /// <inheritdoc/>
    public void Unary(UnaryOp op, Tensor x, Tensor y, double alpha, double beta)
    {
        var input = x;
        if (!x.IsContiguous)
        {
            Copy(x, y); // strided input: gather into y, then work in place
            input = y;
        }
        if (x.DType == DType.Float32)
            Kernels.Cpu.Unary.Apply(op, Ptr<float>(input), Ptr<float>(y), y.NumElements, (float)alpha, (float)beta);
        else
            Kernels.Cpu.Unary.Apply(op, Ptr<double>(input), Ptr<double>(y), y.NumElements, alpha, beta);
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        a = RowReady(a); b = RowReady(b);
        switch (y.DType)
        {
            case DType.Float32: BinaryTyped<float>(op, a, b, y); break;
            case DType.Float64: BinaryTyped<double>(op, a, b, y); break;
            default: BinaryTyped<int>(op, a, b, y); break;
        }
        GC.KeepAlive(a); GC.KeepAlive(b); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Compare(CompareOp op, Tensor a, Tensor b, Tensor y)
    {
        if (a.DType == DType.Bool) { a = a.To(DType.Int32); b = b.To(DType.Int32); }
        a = RowReady(a); b = RowReady(b);
        switch (a.DType)
        {
            case DType.Float32: CompareTyped<float>(op, a, b, y); break;
            case DType.Float64: CompareTyped<double>(op, a, b, y); break;
            default: CompareTyped<int>(op, a, b, y); break;
        }
        GC.KeepAlive(a); GC.KeepAlive(b); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Select(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        condition = RowReady(condition); a = RowReady(a); b = RowReady(b);
        switch (y.DType)
        {
            case DType.Float32: SelectTyped<float>(condition, a, b, y); break;
            case DType.Float64: SelectTyped<double>(condition, a, b, y); break;
            case DType.Int32: SelectTyped<int>(condition, a, b, y); break;
            default: SelectTyped<byte>(condition, a, b, y); break;
        }
        GC.KeepAlive(condition); GC.KeepAlive(a); GC.KeepAlive(b); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Reduce(ReduceOp op, Tensor x, int axis, int count, Tensor y)
    {
        x = x.Contiguous();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, count);
        switch (x.DType)
        {
            case DType.Float32: Kernels.Cpu.Reduce.Apply(op, Ptr<float>(x), outer, length, inner, Ptr<float>(y)); break;
            case DType.Float64: Kernels.Cpu.Reduce.Apply(op, Ptr<double>(x), outer, length, inner, Ptr<double>(y)); break;
            default: Kernels.Cpu.Reduce.Apply(op, Ptr<int>(x), outer, length, inner, Ptr<int>(y)); break;
        }
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void ArgReduce(ArgReduceOp op, Tensor x, int axis, Tensor y)
    {
        x = x.Contiguous();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, 1);
        switch (x.DType)
        {
            case DType.Float32: Kernels.Cpu.ArgReduce.Apply(op, Ptr<float>(x), outer, length, inner, Ptr<int>(y)); break;
            case DType.Float64: Kernels.Cpu.ArgReduce.Apply(op, Ptr<double>(x), outer, length, inner, Ptr<int>(y)); break;
            default: Kernels.Cpu.ArgReduce.Apply(op, Ptr<int>(x), outer, length, inner, Ptr<int>(y)); break;
        }
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void Softmax(Tensor x, int axis, Tensor y, bool log)
    {
        x = x.Contiguous();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, 1);
        if (x.DType == DType.Float32)
            Kernels.Cpu.Softmax.Apply(Ptr<float>(x), outer, length, inner, Ptr<float>(y), log);
        else
            Kernels.Cpu.Softmax.Apply(Ptr<double>(x), outer, length, inner, Ptr<double>(y), log);
        GC.KeepAlive(x); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        if (c.DType == DType.Float32) MatMulTyped<float>(a, b, c);
        else MatMulTyped<double>(a, b, c);
        GC.KeepAlive(a); GC.KeepAlive(b); GC.KeepAlive(c);
    }

    /// <inheritdoc/>
    public void Gather(Tensor x, int axis, Tensor index, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: GatherTyped<float>(x, axis, index, y); break;
            case DType.Float64: GatherTyped<double>(x, axis, index, y); break;
            case DType.Int32: GatherTyped<int>(x, axis, index, y); break;
            default: GatherTyped<byte>(x, axis, index, y); break;
        }
        GC.KeepAlive(x); GC.KeepAlive(index); GC.KeepAlive(y);
    }

    /// <inheritdoc/>
    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor src)
    {
        switch (y.DType)
        {
            case DType.Float32: ScatterAddTyped<float>(y, axis, index, src); break;
            case DType.Float64: ScatterAddTyped<double>(y, axis, index, src); break;
            case DType.Int32: ScatterAddTyped<int>(y, axis, index, src); break;
            default: throw new ArgumentException($"ScatterAdd: not defined for {y.DType.Name()} tensors.");
        }
        GC.KeepAlive(y); GC.KeepAlive(index); GC.KeepAlive(src);
    }

    // ---- typed bodies ----

    private static T* Ptr<T>(Tensor t) where T : unmanaged => (T*)((CpuStorage)t.Storage).Pointer + t.Offset;

    private static void FillTyped<T>(Tensor dst, T value) where T : unmanaged
    {
        T* p = Ptr<T>(dst);
        var layout = Layout.Coalesce(dst.Shape.AsSpan(), dst.StrideArray);
        long n = layout.InnerSize, stride = layout.InnerStride(0);
        layout.ForEachRow(offsets =>
        {
            T* row = p + offsets[0];
            if (stride == 1 && n <= int.MaxValue) new Span<T>(row, (int)n).Fill(value);
            else for (long i = 0; i < n; i++) row[i * stride] = value;
        });
    }

    private static void ConvertFrom<TSrc>(Tensor src, Tensor dst) where TSrc : unmanaged, INumberBase<TSrc>
    {
        var shape = src.Shape.AsSpan();
        TSrc* s = Ptr<TSrc>(src);
        switch (dst.DType)
        {
            case DType.Float32: StridedCopy.Convert(shape, s, src.StrideArray, Ptr<float>(dst), dst.StrideArray); break;
            case DType.Float64: StridedCopy.Convert(shape, s, src.StrideArray, Ptr<double>(dst), dst.StrideArray); break;
            case DType.Int32: StridedCopy.Convert(shape, s, src.StrideArray, Ptr<int>(dst), dst.StrideArray); break;
            default: ToBool(src, s, dst); break;
        }
    }

    /// <summary>Any non-zero value (NaN included) becomes true, as in NumPy and PyTorch.</summary>
    private static void ToBool<TSrc>(Tensor src, TSrc* s, Tensor dst) where TSrc : unmanaged, INumberBase<TSrc>
    {
        byte* d = Ptr<byte>(dst);
        var layout = Layout.Coalesce(src.Shape.AsSpan(), src.StrideArray, dst.StrideArray);
        long n = layout.InnerSize, ss = layout.InnerStride(0), ds = layout.InnerStride(1);
        layout.ForEachRow(offsets =>
        {
            for (long i = 0; i < n; i++) d[offsets[1] + i * ds] = TSrc.IsZero(s[offsets[0] + i * ss]) ? (byte)0 : (byte)1;
        });
    }

    private static void BinaryTyped<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        T* pa = Ptr<T>(a), pb = Ptr<T>(b), py = Ptr<T>(y);
        var layout = Layout.Coalesce(y.Shape.AsSpan(), a.StrideArray, b.StrideArray, y.StrideArray);
        long n = layout.InnerSize, sa = layout.InnerStride(0), sb = layout.InnerStride(1);
        layout.ForEachRow(o => Kernels.Cpu.Binary.Apply(op, pa + o[0], sa, pb + o[1], sb, py + o[2], n));
    }

    private static void CompareTyped<T>(CompareOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        T* pa = Ptr<T>(a), pb = Ptr<T>(b);
        byte* py = Ptr<byte>(y);
        var layout = Layout.Coalesce(y.Shape.AsSpan(), a.StrideArray, b.StrideArray, y.StrideArray);
        long n = layout.InnerSize, sa = layout.InnerStride(0), sb = layout.InnerStride(1);
        layout.ForEachRow(o => Kernels.Cpu.Compare.Apply(op, pa + o[0], sa, pb + o[1], sb, py + o[2], n));
    }

    private static void SelectTyped<T>(Tensor condition, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        byte* pc = Ptr<byte>(condition);
        T* pa = Ptr<T>(a), pb = Ptr<T>(b), py = Ptr<T>(y);
        var layout = Layout.Coalesce(y.Shape.AsSpan(), condition.StrideArray, a.StrideArray, b.StrideArray, y.StrideArray);
        long n = layout.InnerSize, sc = layout.InnerStride(0), sa = layout.InnerStride(1), sb = layout.InnerStride(2);
        layout.ForEachRow(o => Kernels.Cpu.Select.Apply(pc + o[0], sc, pa + o[1], sa, pb + o[2], sb, py + o[3], n));
    }

    private static void MatMulTyped<T>(Tensor a, Tensor b, Tensor c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = c.Rank;
        int m = c.Shape[-2], n = c.Shape[-1], k = a.Shape[-1];
        long ars = a.Strides[rank - 2], acs = a.Strides[rank - 1], brs = b.Strides[rank - 2], bcs = b.Strides[rank - 1];
        long batch = c.NumElements / Math.Max(1, (long)m * n);
        if (m == 0 || n == 0) return;
        if (rank == 2 || batch == 1)
        {
            Gemm.Run(m, n, k, T.One, Ptr<T>(a), ars, acs, Ptr<T>(b), brs, bcs, T.Zero, Ptr<T>(c), n);
            return;
        }
        var (aOffsets, bOffsets, cOffsets) = OperandLayout.BatchOffsets(a, b, c, batch, (long)m * n);
        Gemm.RunBatched((int)batch, m, n, k, T.One, Ptr<T>(a), aOffsets, ars, acs, Ptr<T>(b), bOffsets, brs, bcs, T.Zero, Ptr<T>(c), cOffsets, n);
    }

    private static void GatherTyped<T>(Tensor x, int axis, Tensor index, Tensor y) where T : unmanaged
    {
        T* px = Ptr<T>(x), py = Ptr<T>(y);
        int* pi = Ptr<int>(index);
        long axisStride = x.Strides[axis];
        int axisLength = x.Shape[axis];
        var xStrides = (long[])x.StrideArray.Clone();
        xStrides[axis] = 0;
        var layout = Layout.Coalesce(y.Shape.AsSpan(), y.StrideArray, index.StrideArray, xStrides);
        long n = layout.InnerSize, sy = layout.InnerStride(0), si = layout.InnerStride(1), sx = layout.InnerStride(2);
        layout.ForEachRow(o =>
        {
            T* yr = py + o[0]; int* ir = pi + o[1]; T* xr = px + o[2];
            if (si == 0)
            {
                // One index for the whole row (IndexSelect of rows, a data loader's batch): a row copy.
                int row = *ir;
                if ((uint)row >= (uint)axisLength)
                    throw new IndexOutOfRangeException($"index {row} is out of range for an axis of size {axisLength}");
                T* from = xr + row * axisStride;
                if (sx == 1 && sy == 1 && n <= int.MaxValue) new ReadOnlySpan<T>(from, (int)n).CopyTo(new Span<T>(yr, (int)n));
                else for (long j = 0; j < n; j++) yr[j * sy] = from[j * sx];
                return;
            }
            for (long j = 0; j < n; j++)
            {
                int at = ir[j * si];
                if ((uint)at >= (uint)axisLength)
                    throw new IndexOutOfRangeException($"index {at} is out of range for an axis of size {axisLength}");
                yr[j * sy] = xr[j * sx + at * axisStride];
            }
        });
    }

    private static void ScatterAddTyped<T>(Tensor y, int axis, Tensor index, Tensor src) where T : unmanaged, INumberBase<T>
    {
        T* py = Ptr<T>(y), ps = Ptr<T>(src);
        int* pi = Ptr<int>(index);
        long axisStride = y.Strides[axis];
        int axisLength = y.Shape[axis];
        var yStrides = (long[])y.StrideArray.Clone();
        yStrides[axis] = 0;
        var layout = Layout.Coalesce(index.Shape.AsSpan(), src.StrideArray, index.StrideArray, yStrides);
        long n = layout.InnerSize, ss = layout.InnerStride(0), si = layout.InnerStride(1), sy = layout.InnerStride(2);
        // Serial on purpose: repeated indices from different rows may hit the same target element.
        layout.ForEachRow(o =>
        {
            T* sr = ps + o[0]; int* ir = pi + o[1]; T* yr = py + o[2];
            for (long j = 0; j < n; j++)
            {
                int at = ir[j * si];
                if ((uint)at >= (uint)axisLength)
                    throw new IndexOutOfRangeException($"ScatterAdd: index {at} is out of range for an axis of size {axisLength}");
                yr[j * sy + at * axisStride] += sr[j * ss];
            }
        }, parallelGrain: long.MaxValue);
    }

    /// <summary>Row kernels take a unit or zero stride along the row; anything else is gathered first.</summary>
    private Tensor RowReady(Tensor t)
    {
        int last = t.Rank - 1;
        while (last >= 0 && t.Shape[last] == 1) last--;
        if (last < 0 || t.Strides[last] is 0 or 1) return t;
        var dense = Tensor.Empty(t.Shape, t.DType, t.Device);
        Copy(t, dense);
        return dense;
    }
}
