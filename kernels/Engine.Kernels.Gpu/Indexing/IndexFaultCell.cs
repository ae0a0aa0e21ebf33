using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Where gather and scatter-add launches report an out-of-range index without making the host wait: the kernels write
/// the first fault into a small device cell, and the owner checks the cell when it next waits for the device anyway
/// (a copy back to the host, a synchronisation) with <see cref="ThrowIfFaulted"/>. So a training step that gathers
/// (an embedding, batches picked from device data) runs without a round trip per gather, and a bad index still
/// surfaces as an <see cref="IndexOutOfRangeException"/> naming the op, the index and the axis — at the next read
/// rather than at the launch, as CUDA's own device-side checks do.
/// </summary>
/// <remarks>
/// The cell holds [position + 1, index value, launch number] of the first fault since the last check (0 when none);
/// the launches since then are remembered on the host with their shapes for the message. Not thread-safe: one per
/// backend, used from the thread that queues its work.
/// </remarks>
public sealed class IndexFaultCell : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly GpuBlock _block;
    private readonly List<Launch> _launches = [];
    private readonly bool _checkedLater;

    private readonly record struct Launch(string Kernel, long Outer, long Count, long Inner, long AxisLength);

    /// <summary>A cleared cell on <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">The accelerator whose launches report here.</param>
    /// <param name="checkedLater">Whether the owner checks it after later work (the message then says the fault may
    /// surface after later ops); false for a check right after one launch.</param>
    public IndexFaultCell(Accelerator accelerator, bool checkedLater = true)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _accelerator = accelerator;
        _checkedLater = checkedLater;
        _block = GpuMemoryPool.For(accelerator).Rent(3 * sizeof(long));
        Cell.MemSetToZero();
    }

    /// <summary>Whether launches have reported here since the last <see cref="ThrowIfFaulted"/>.</summary>
    public bool Pending => _launches.Count > 0;

    internal ArrayView<long> Cell => _block.View<long>().SubView(0, 3);

    /// <summary>Registers a launch about to be queued; returns the number its kernel writes on a fault.</summary>
    internal long Register(string kernel, long outer, long count, long inner, long axisLength)
    {
        _launches.Add(new Launch(kernel, outer, count, inner, axisLength));
        return _launches.Count;
    }

    /// <summary>
    /// When launches are pending, reads the cell (waiting for the device), clears it, and throws for the first
    /// out-of-range index among those launches; returns whether it read the cell.
    /// </summary>
    /// <exception cref="IndexOutOfRangeException">A pending launch met an index outside its axis.</exception>
    public bool ThrowIfFaulted()
    {
        if (!Pending) return false;
        var fault = new long[3];
        Cell.CopyToCPU(fault);
        _accelerator.Synchronize();
        var launches = _launches.ToArray();
        _launches.Clear();
        if (fault[0] == 0) return true;
        Cell.MemSetToZero();
        var launch = launches[fault[2] - 1];
        long l = fault[0] - 1, i = l % launch.Inner, j = l / launch.Inner % launch.Count, o = l / launch.Inner / launch.Count;
        throw new IndexOutOfRangeException(
            $"{launch.Kernel}: index {fault[1]} is out of range for an axis of size {launch.AxisLength} (at index element {l}, " +
            $"[o, j, i] = [{o}, {j}, {i}] of [{launch.Outer}, {launch.Count}, {launch.Inner}])" +
            (_checkedLater ? "; GPU index checks are reported at the next read from the device, so this may surface after later ops." : "."));
    }

    /// <summary>Returns the cell's memory to the pool.</summary>
    public void Dispose() => _block.Dispose();
}
