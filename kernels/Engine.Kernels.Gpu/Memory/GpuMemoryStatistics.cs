namespace Engine.Kernels.Gpu;

/// <summary>Counters of a <see cref="GpuMemoryPool"/>, in bytes.</summary>
/// <param name="InUse">Bytes of blocks rented and not yet returned.</param>
/// <param name="Cached">Bytes of device buffers kept in the pool for reuse.</param>
/// <param name="PeakInUse">The largest <paramref name="InUse"/> seen.</param>
public readonly record struct GpuMemoryStatistics(long InUse, long Cached, long PeakInUse);
