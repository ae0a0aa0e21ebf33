using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Uploads from host memory that do not wait for the device: the bytes are copied into one of a small ring of
/// page-locked staging slots and the copy to the device is queued on the default stream (in order with the
/// kernels), followed by a profiling marker. A slot is written again only after its marker, that is the copy that
/// last read it, has completed; with <see cref="SlotCount"/> slots the host may run that many slots ahead.
/// </summary>
/// <remarks>
/// Used only where it is known to be safe: CUDA (<c>cuMemcpyHtoDAsync</c> from page-locked memory, ordered on the
/// stream; the marker is a CUDA event) and ILGPU's CPU accelerator (copies and kernels run on the calling thread in
/// order). OpenCL keeps the waiting copy: it is not verified here. Markers need a context built with profiling.
/// </remarks>
public sealed class GpuUploadStaging : IDisposable
{
    /// <summary>Bytes per staging slot; longer uploads go through several slots in turn.</summary>
    public const int SlotBytes = 1 << 20;

    /// <summary>Slots in the ring.</summary>
    public const int SlotCount = 4;

    private readonly Accelerator _accelerator;
    private readonly PageLockedArray1D<byte>[] _slots;
    private readonly ProfilingMarker?[] _copied = new ProfilingMarker?[SlotCount];
    private readonly Lock _gate = new();
    private int _next;
    private bool _disposed;

    /// <summary>Staging on <paramref name="accelerator"/>, which must <see cref="Supports"/> it.</summary>
    /// <param name="accelerator">The device uploaded to.</param>
    /// <exception cref="NotSupportedException">The accelerator's backend or context does not allow it.</exception>
    public GpuUploadStaging(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (!Supports(accelerator))
            throw new NotSupportedException($"GpuUploadStaging: {accelerator.Name} ({accelerator.AcceleratorType}) needs CUDA or the CPU accelerator, in a context with profiling enabled (profiling {accelerator.Context.Properties.EnableProfiling}).");
        _accelerator = accelerator;
        // All at once, so that uploads allocate nothing afterwards.
        _slots = [.. Enumerable.Range(0, SlotCount).Select(_ => accelerator.AllocatePageLocked1D<byte>(SlotBytes))];
    }

    /// <summary>Whether uploads to <paramref name="accelerator"/> can be staged without waiting for the device.</summary>
    /// <param name="accelerator">The device.</param>
    public static bool Supports(Accelerator accelerator) =>
        accelerator.Context.Properties.EnableProfiling && accelerator.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.CPU;

    /// <summary>
    /// Queues the copy of <paramref name="source"/> into <paramref name="target"/>; <paramref name="source"/> may be
    /// reused as soon as this returns. Waits only for a slot's previous copy.
    /// </summary>
    /// <param name="source">The host bytes.</param>
    /// <param name="target">The device bytes, exactly as long.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void Upload(ReadOnlySpan<byte> source, ArrayView<byte> target)
    {
        if (target.Length != source.Length)
            throw new ArgumentException($"GpuUploadStaging.Upload: {source.Length} host bytes into a device view of {target.Length}.", nameof(target));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int at = 0; at < source.Length; at += SlotBytes)
            {
                int length = Math.Min(SlotBytes, source.Length - at);
                Span<byte> slot = FreeSlot(out int index);
                source.Slice(at, length).CopyTo(slot);
                target.SubView(at, length).CopyFromCPUUnsafeAsync(_accelerator.DefaultStream, ref MemoryMarshal.GetReference(slot), length);
                _copied[index] = _accelerator.DefaultStream.AddProfilingMarker();
            }
        }
    }

    /// <summary>The next slot in the ring, once the copy that last read it has completed.</summary>
    private Span<byte> FreeSlot(out int index)
    {
        index = _next;
        _next = (_next + 1) % SlotCount;
        if (_copied[index] is { } marker)
        {
            marker.Synchronize();
            marker.Dispose();
            _copied[index] = null;
        }
        return _slots[index].Span;
    }

    /// <summary>Waits for the queued copies and frees the slots.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            for (int i = 0; i < SlotCount; i++)
            {
                if (_accelerator.IsDisposed) continue; // its buffers and events are gone with it
                if (_copied[i] is { } marker)
                {
                    marker.Synchronize();
                    marker.Dispose();
                }
                _slots[i].Dispose();
            }
        }
    }
}
