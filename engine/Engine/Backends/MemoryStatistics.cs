namespace Engine.Backends;

/// <summary>Counters of a device's memory pool, in bytes.</summary>
/// <param name="InUse">Bytes held by live storage.</param>
/// <param name="Cached">Bytes kept in the pool for reuse.</param>
/// <param name="PeakInUse">The largest <paramref name="InUse"/> seen.</param>
public readonly record struct MemoryStatistics(long InUse, long Cached, long PeakInUse);
