using System.Numerics;
using Engine.Kernels.Cpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;
using ILGPU;
using ILGPU.Runtime;
using Device = Engine.Tensors.Device;

namespace Engine.Backends.Gpu;

/// <summary>
/// The GPU implementation of <see cref="IBackend"/> on one ILGPU accelerator (CUDA, OpenCL, or the CPU simulator):
/// storage from the device's caching <see cref="GpuMemoryPool"/>, and every primitive a kernel of
/// Engine.Kernels.Gpu queued on the accelerator's stream, so data stays on the device between ops.
/// </summary>
/// <remarks>
/// The kernels compute in float and double. Int32 and Bool operands of the arithmetic, comparison, selection and
/// reduction primitives are widened to double on the device, computed there and narrowed back: exact for integers
/// below 2^53 (integer division truncates as in C#), saturating where C# casts saturate.
/// </remarks>
public sealed partial class GpuBackend : IBackend
{
    private readonly Device _device;
    private long _liveAtLastCollection;
    private long _allocatedBytes;
    private long _hostSynchronizations, _deviceToHostReads, _hostToDeviceCopies, _indexRangeChecks;

    internal GpuBackend(Device device, Accelerator accelerator)
    {
        _device = device;
        Accelerator = accelerator;
        Pool = GpuMemoryPool.For(accelerator);
        _staging = new(() => GpuUploadStaging.Supports(accelerator) ? new GpuUploadStaging(accelerator) : null);
    }

    /// <summary>The accelerator the kernels run on.</summary>
    internal Accelerator Accelerator { get; }

    /// <summary>
    /// The GEMM kernel matrix products launch: <see cref="GpuGemmAlgorithm.Blocked"/> (the fastest) unless a
    /// benchmark or test compares kernels.
    /// </summary>
    public GpuGemmAlgorithm GemmAlgorithm { get; set; } = GpuGemmAlgorithm.Blocked;

    /// <summary>The device's caching allocator.</summary>
    internal GpuMemoryPool Pool { get; }

    /// <summary>
    /// Growth of device bytes in use that triggers a collection of unreachable tensors (default 256 MiB): the GC cannot
    /// see device memory, so forgotten GPU tensors are found the way the CPU pool finds them.
    /// </summary>
    public static long CollectionBudget { get; set; } = 256L << 20;

    /// <summary>Total bytes of storage allocated on this device since the process started (a counter for tests and tuning).</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <inheritdoc/>
    public Storage Allocate(DType dtype, long count)
    {
        long bytes = count * dtype.SizeOf();
        Interlocked.Add(ref _allocatedBytes, bytes);
        long live = Interlocked.Read(ref _liveAtLastCollection);
        if (Pool.InUse + bytes > live + Math.Max(CollectionBudget, live)) CollectGarbage();
        try
        {
            return new GpuStorage(_device, dtype, count, Pool);
        }
        catch (GpuOutOfMemoryException)
        {
            // Unreachable tensors may still hold device memory: collect them all, then try once more.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return new GpuStorage(_device, dtype, count, Pool);
        }
    }

    /// <inheritdoc/>
    public MemoryStatistics MemoryStatistics
    {
        get
        {
            var s = Pool.Statistics;
            return new MemoryStatistics(s.InUse, s.Cached, s.PeakInUse);
        }
    }

    /// <inheritdoc/>
    public void ReleaseCachedMemory() => Pool.ReleaseCached();

    /// <summary>
    /// Times the host has waited for this device's queue to drain (<see cref="Synchronize"/>, <see cref="CopyToHost"/>,
    /// <see cref="CopyFromHost"/> where uploads are not staged, <see cref="SumOfSquares"/>): each stalls the host until every queued kernel has
    /// run, so a training loop that does it per batch runs at the host's pace. A counter for tests. Not counted (and
    /// not per batch): the memory pool's one wait before it frees device buffers. Returning pooled blocks, gathers,
    /// clipping by norm and the data loader's slices of the epoch's row order never wait.
    /// </summary>
    internal long HostSynchronizations => Interlocked.Read(ref _hostSynchronizations);

    /// <summary>Copies from this device back to the host (<see cref="CopyToHost"/>): the reads that wait for results.</summary>
    internal long DeviceToHostReads => Interlocked.Read(ref _deviceToHostReads);

    /// <summary>
    /// Copies from the host to this device (<see cref="CopyFromHost"/>). On CUDA and the CPU simulator they go through
    /// page-locked staging and do not wait for the device; on OpenCL each also waits (and counts in
    /// <see cref="HostSynchronizations"/>).
    /// </summary>
    internal long HostToDeviceCopies => Interlocked.Read(ref _hostToDeviceCopies);

    /// <summary>
    /// Of <see cref="DeviceToHostReads"/>, the reads of the index fault cell: <see cref="Gather"/> and
    /// <see cref="ScatterAdd"/> queue their kernels without waiting, and the cell they write is read (throwing on an
    /// out-of-range index) at the next <see cref="Synchronize"/> or <see cref="CopyToHost"/> after them — once, however
    /// many gathers came before.
    /// </summary>
    internal long IndexRangeChecks => Interlocked.Read(ref _indexRangeChecks);

    /// <inheritdoc/>
    public void Synchronize()
    {
        WaitForDevice();
        CheckIndexFaults();
    }

    /// <summary>Where this device's gathers and scatter-adds report out-of-range indices; made on first use.</summary>
    private IndexFaultCell IndexFaults => _indexFaults ??= new IndexFaultCell(Accelerator);

    private IndexFaultCell? _indexFaults;

    /// <summary>Reads the index fault cell when gathers or scatters were queued since the last read, and throws for a fault.</summary>
    private void CheckIndexFaults()
    {
        if (_indexFaults is not { Pending: true } faults) return;
        Interlocked.Increment(ref _indexRangeChecks);
        Interlocked.Increment(ref _deviceToHostReads);
        Interlocked.Increment(ref _hostSynchronizations);
        faults.ThrowIfFaulted();
    }

    /// <summary>Blocks until the device's queue is empty, and counts it.</summary>
    private void WaitForDevice()
    {
        Interlocked.Increment(ref _hostSynchronizations);
        Accelerator.Synchronize();
    }

    /// <inheritdoc/>
    public void CopyFromHost(ReadOnlySpan<byte> src, Storage dst, long elementOffset)
    {
        long byteOffset = elementOffset * dst.DType.SizeOf();
        if (byteOffset < 0 || byteOffset + src.Length > dst.ByteLength)
            throw new ArgumentException($"CopyFromHost: {src.Length} bytes at byte {byteOffset} overrun storage of {dst.ByteLength} bytes on {_device}.");
        if (src.IsEmpty) return;
        Interlocked.Increment(ref _hostToDeviceCopies);
        var target = ((GpuStorage)dst).Bytes(byteOffset, src.Length);
        if (_staging.Value is { } staging)
        {
            staging.Upload(src, target); // copied into a page-locked slot first: the span may go away at once
            return;
        }
        target.CopyFromCPU(src);
        WaitForDevice(); // the host span may go away as soon as this returns
    }

    /// <summary>Page-locked staging of uploads where the accelerator allows it (CUDA, the CPU simulator); else null.</summary>
    private readonly Lazy<GpuUploadStaging?> _staging;

    /// <inheritdoc/>
    public void CopyToHost(Storage src, long elementOffset, Span<byte> dst)
    {
        long byteOffset = elementOffset * src.DType.SizeOf();
        if (byteOffset < 0 || byteOffset + dst.Length > src.ByteLength)
            throw new ArgumentException($"CopyToHost: {dst.Length} bytes at byte {byteOffset} overrun storage of {src.ByteLength} bytes on {_device}.");
        if (dst.IsEmpty) return;
        Interlocked.Increment(ref _deviceToHostReads);
        WaitForDevice();
        ((GpuStorage)src).Bytes(byteOffset, dst.Length).CopyToCPU(dst);
        CheckIndexFaults();
    }

    /// <inheritdoc/>
    public void Fill(Tensor dst, double value)
    {
        var axes = StridedAxes.Of("Fill", dst.Shape.AsSpan(), dst.StrideArray);
        switch (dst.DType)
        {
            case DType.Float32: GpuCopy.Fill(Accelerator, V<float>(dst), axes.Strides[0], axes.Shape, (float)value); break;
            case DType.Float64: GpuCopy.Fill(Accelerator, V<double>(dst), axes.Strides[0], axes.Shape, value); break;
            case DType.Int32: GpuCopy.Fill(Accelerator, V<int>(dst), axes.Strides[0], axes.Shape, checked((int)value)); break;
            default: GpuCopy.Fill(Accelerator, V<byte>(dst), axes.Strides[0], axes.Shape, (byte)(value != 0 ? 1 : 0)); break;
        }
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        var axes = StridedAxes.Of("Copy", src.Shape.AsSpan(), src.StrideArray, dst.StrideArray);
        switch (src.DType)
        {
            case DType.Float32: CopyFrom<float>(src, dst, axes); break;
            case DType.Float64: CopyFrom<double>(src, dst, axes); break;
            case DType.Int32: CopyFrom<int>(src, dst, axes); break;
            default: CopyFrom<byte>(src, dst, axes); break;
        }
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
            GpuUnary.Apply(Accelerator, op, E<float>(input), E<float>(y), y.NumElements, (float)alpha, (float)beta);
        else
            GpuUnary.Apply(Accelerator, op, E<double>(input), E<double>(y), y.NumElements, alpha, beta);
    }

    /// <inheritdoc/>
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (!IsFloating(y.DType))
        {
            ThroughDouble(y, wide => Binary(op, Widen(a), Widen(b), wide));
            return;
        }
        var axes = ElementwiseAxes($"Binary {op}", y, a, b);
        if (y.DType == DType.Float32)
            GpuBinary.Apply(Accelerator, op, V<float>(a), axes.Strides[0], V<float>(b), axes.Strides[1], V<float>(y), axes.Shape);
        else
            GpuBinary.Apply(Accelerator, op, V<double>(a), axes.Strides[0], V<double>(b), axes.Strides[1], V<double>(y), axes.Shape);
    }

    /// <inheritdoc/>
    public void Compare(CompareOp op, Tensor a, Tensor b, Tensor y)
    {
        if (!IsFloating(a.DType)) { a = Widen(a); b = Widen(b); }
        var axes = ElementwiseAxes($"Compare {op}", y, a, b);
        if (a.DType == DType.Float32)
            GpuCompare.Apply(Accelerator, op, V<float>(a), axes.Strides[0], V<float>(b), axes.Strides[1], V<byte>(y), axes.Shape);
        else
            GpuCompare.Apply(Accelerator, op, V<double>(a), axes.Strides[0], V<double>(b), axes.Strides[1], V<byte>(y), axes.Shape);
    }

    /// <inheritdoc/>
    public void Select(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        if (!IsFloating(y.DType))
        {
            ThroughDouble(y, wide => Select(condition, Widen(a), Widen(b), wide));
            return;
        }
        var axes = ElementwiseAxes("Select", y, condition, a, b);
        if (y.DType == DType.Float32)
            GpuSelect.Apply(Accelerator, V<byte>(condition), axes.Strides[0], V<float>(a), axes.Strides[1], V<float>(b), axes.Strides[2], V<float>(y), axes.Shape);
        else
            GpuSelect.Apply(Accelerator, V<byte>(condition), axes.Strides[0], V<double>(a), axes.Strides[1], V<double>(b), axes.Strides[2], V<double>(y), axes.Shape);
    }

    /// <inheritdoc/>
    public void Reduce(ReduceOp op, Tensor x, int axis, int count, Tensor y)
    {
        if (!IsFloating(x.DType))
        {
            ThroughDouble(y, wide => Reduce(op, Widen(x), axis, count, wide));
            return;
        }
        x = x.ContiguousView();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, count);
        if (x.DType == DType.Float32) GpuReduce.Apply(Accelerator, op, E<float>(x), outer, length, inner, E<float>(y));
        else GpuReduce.Apply(Accelerator, op, E<double>(x), outer, length, inner, E<double>(y));
    }

    /// <inheritdoc/>
    public void ArgReduce(ArgReduceOp op, Tensor x, int axis, Tensor y)
    {
        if (!IsFloating(x.DType)) x = Widen(x);
        x = x.ContiguousView();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, 1);
        if (x.DType == DType.Float32) GpuArgReduce.Apply(Accelerator, op, E<float>(x), outer, length, inner, E<int>(y));
        else GpuArgReduce.Apply(Accelerator, op, E<double>(x), outer, length, inner, E<int>(y));
    }

    /// <inheritdoc/>
    public void Softmax(Tensor x, int axis, Tensor y, bool log)
    {
        x = x.ContiguousView();
        var (outer, length, inner) = OperandLayout.Split3(x.Shape, axis, 1);
        if (x.DType == DType.Float32) GpuSoftmax.Apply(Accelerator, E<float>(x), outer, length, inner, E<float>(y), log);
        else GpuSoftmax.Apply(Accelerator, E<double>(x), outer, length, inner, E<double>(y), log);
    }

    /// <inheritdoc/>
    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        if (c.DType == DType.Float32) MatMulTyped<float>(a, b, c);
        else MatMulTyped<double>(a, b, c);
    }

    /// <inheritdoc/>
    public void Gather(Tensor x, int axis, Tensor index, Tensor y)
    {
        x = x.ContiguousView();
        index = index.ContiguousView();
        var (outer, axisLength, inner) = OperandLayout.Split3(x.Shape, axis, 1);
        long count = index.Shape[axis];
        var at = E<int>(index);
        var faults = IndexFaults;
        switch (x.DType)
        {
            case DType.Float32: GpuIndexing.Gather(Accelerator, E<float>(x), outer, axisLength, inner, at, count, E<float>(y), faults); break;
            case DType.Float64: GpuIndexing.Gather(Accelerator, E<double>(x), outer, axisLength, inner, at, count, E<double>(y), faults); break;
            case DType.Int32: GpuIndexing.Gather(Accelerator, E<int>(x), outer, axisLength, inner, at, count, E<int>(y), faults); break;
            default: GpuIndexing.Gather(Accelerator, E<byte>(x), outer, axisLength, inner, at, count, E<byte>(y), faults); break;
        }
    }

    /// <inheritdoc/>
    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor src)
    {
        if (y.DType == DType.Bool) throw new ArgumentException($"ScatterAdd: not defined for {y.DType.Name()} tensors.");
        if (y.DType == DType.Int32 || !y.IsContiguous)
        {
            // Accumulate into a contiguous floating copy, then write it back.
            var work = Tensor.Empty(y.Shape, y.DType == DType.Int32 ? DType.Float64 : y.DType, _device);
            Copy(y, work);
            ScatterAdd(work, axis, index, src.DType == work.DType ? src : Widen(src));
            Copy(work, y);
            return;
        }
        src = src.ContiguousView();
        index = index.ContiguousView();
        var (outer, axisLength, inner) = OperandLayout.Split3(y.Shape, axis, 1);
        long count = index.Shape[axis];
        if (y.DType == DType.Float32) GpuIndexing.ScatterAdd(Accelerator, E<float>(y), outer, axisLength, inner, E<int>(index), count, E<float>(src), IndexFaults);
        else GpuIndexing.ScatterAdd(Accelerator, E<double>(y), outer, axisLength, inner, E<int>(index), count, E<double>(src), IndexFaults);
    }

    // ---- helpers ----

    /// <summary>The device elements of <paramref name="t"/> from its offset to the end of its storage.</summary>
    private static ArrayView<T> V<T>(Tensor t) where T : unmanaged => ((GpuStorage)t.Storage).View<T>(t.Offset);

    /// <summary>The device elements of the contiguous <paramref name="t"/>: exactly its NumElements.</summary>
    private static ArrayView<T> E<T>(Tensor t) where T : unmanaged => V<T>(t).SubView(0, t.NumElements);

    /// <summary>An optional contiguous operand: its elements, or an empty view for null.</summary>
    private static ArrayView<T> OrEmpty<T>(Tensor? t) where T : unmanaged => t is null ? ArrayView<T>.Empty : E<T>(t);

    private static bool IsFloating(DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The elements as a new contiguous Float64 tensor on this device.</summary>
    private Tensor Widen(Tensor t)
    {
        var wide = Tensor.Empty(t.Shape, DType.Float64, _device);
        Copy(t, wide);
        return wide;
    }

    /// <summary>Runs <paramref name="compute"/> into a Float64 twin of <paramref name="y"/>, then narrows it into y.</summary>
    private void ThroughDouble(Tensor y, Action<Tensor> compute)
    {
        var wide = Tensor.Empty(y.Shape, DType.Float64, _device);
        compute(wide);
        Copy(wide, y);
    }

    /// <summary>The merged axes of an elementwise op whose output <paramref name="y"/> the kernels write contiguously.</summary>
    private static StridedAxes ElementwiseAxes(string op, Tensor y, params Tensor[] inputs)
    {
        if (!y.IsContiguous) throw new ArgumentException($"{op}: the GPU kernels write a contiguous output; got strides [{string.Join(", ", y.StrideArray)}] for {y.Describe()}.");
        return StridedAxes.Of(op, y.Shape.AsSpan(), [.. inputs.Select(t => t.StrideArray), y.Shape.ContiguousStrides()]);
    }

    private void CopyFrom<TSrc>(Tensor src, Tensor dst, StridedAxes axes) where TSrc : unmanaged
    {
        var s = V<TSrc>(src);
        switch (dst.DType)
        {
            case DType.Float32: GpuCopy.Copy(Accelerator, s, axes.Strides[0], V<float>(dst), axes.Strides[1], axes.Shape); break;
            case DType.Float64: GpuCopy.Copy(Accelerator, s, axes.Strides[0], V<double>(dst), axes.Strides[1], axes.Shape); break;
            case DType.Int32: GpuCopy.Copy(Accelerator, s, axes.Strides[0], V<int>(dst), axes.Strides[1], axes.Shape); break;
            default: GpuCopy.Copy(Accelerator, s, axes.Strides[0], V<byte>(dst), axes.Strides[1], axes.Shape); break;
        }
    }

    /// <summary>
    /// The batch axes of a batched product as a <see cref="GemmBatchLayout"/> — size-1 axes dropped, axes that are one
    /// run for all three operands merged — or null when more than <see cref="GemmBatchLayout.MaxAxes"/> remain (then an
    /// offset table is copied over instead, which waits for the copy).
    /// </summary>
    private static GemmBatchLayout? StridedBatch(Tensor a, Tensor b, Tensor c)
    {
        var sizes = new List<long>();
        var strides = new List<(long A, long B, long C)>();
        for (int d = 0; d < c.Rank - 2; d++)
        {
            long size = c.Shape[d];
            if (size == 1) continue;
            var stride = (a.Strides[d], b.Strides[d], c.Strides[d]);
            if (stride.Item1 < 0 || stride.Item2 < 0 || stride.Item3 < 0) return null;
            if (sizes.Count > 0 && strides[^1] == (stride.Item1 * size, stride.Item2 * size, stride.Item3 * size))
            {
                sizes[^1] *= size;
                strides[^1] = stride;
                continue;
            }
            sizes.Add(size);
            strides.Add(stride);
        }
        if (sizes.Count > GemmBatchLayout.MaxAxes) return null;
        return GemmBatchLayout.Create([.. sizes], [.. strides.Select(s => s.A)], [.. strides.Select(s => s.B)], [.. strides.Select(s => s.C)]);
    }

    private void MatMulTyped<T>(Tensor a, Tensor b, Tensor c) where T : unmanaged, INumber<T>
    {
        int rank = c.Rank;
        int m = c.Shape[-2], n = c.Shape[-1], k = a.Shape[-1];
        long ars = a.Strides[rank - 2], acs = a.Strides[rank - 1], brs = b.Strides[rank - 2], bcs = b.Strides[rank - 1];
        long batch = c.NumElements / Math.Max(1, (long)m * n);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            Fill(c, 0);
            return;
        }
        if (rank == 2 || batch == 1)
        {
            GpuGemm.Run(Accelerator, m, n, k, T.One, V<T>(a), 0, ars, acs, V<T>(b), 0, brs, bcs, T.Zero, V<T>(c), 0, n,
                GemmAlgorithm);
            return;
        }
        if (StridedBatch(a, b, c) is { } layout)
        {
            GpuGemm.RunBatched(Accelerator, layout, m, n, k, T.One, V<T>(a), ars, acs, V<T>(b), brs, bcs, T.Zero, V<T>(c), n,
                GemmAlgorithm);
            return;
        }
        var (aOffsets, bOffsets, cOffsets) = OperandLayout.BatchOffsets(a, b, c, batch, (long)m * n);
        using var offsets = Pool.Rent(3 * batch * sizeof(long)); // back to the pool with the GEMM queued: stream-ordered reuse
        var all = offsets.View<long>();
        all.SubView(0, 3 * batch).CopyFromCPU([.. aOffsets, .. bOffsets, .. cOffsets]);
        GpuGemm.RunBatched(Accelerator, checked((int)batch), m, n, k, T.One,
            V<T>(a), all.SubView(0, batch), ars, acs, V<T>(b), all.SubView(batch, batch), brs, bcs,
            T.Zero, V<T>(c), all.SubView(2 * batch, batch), n, GemmAlgorithm);
    }

    /// <summary>
    /// Collects unreachable tensors so their blocks come back; the next collection comes when the bytes in use have
    /// grown by the budget or doubled, whichever is more (as the CPU pool does, the way a GC heap grows).
    /// </summary>
    private void CollectGarbage()
    {
        long before = Pool.InUse;
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        if (Pool.InUse > before / 2)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Interlocked.Exchange(ref _liveAtLastCollection, Pool.InUse);
    }
}
