namespace Engine.Kernels.Cpu;

/// <summary>
/// The one setting for how many threads the CPU kernels use (default: all cores), and the parallel loop
/// they share. Environment variable <c>ENGINE_NUM_THREADS</c> sets the starting value.
/// </summary>
public static class KernelThreads
{
    private static int _count = Initial();

    /// <summary>Number of threads the kernels split work over (at least 1).</summary>
    public static int Count
    {
        get => _count;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "KernelThreads.Count must be at least 1.");
            _count = value;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for each chunk index in [0, <paramref name="chunks"/>) over at most
    /// <see cref="Count"/> threads; the calling thread takes part. Runs inline when one thread suffices.
    /// </summary>
    public static void For(int chunks, Action<int> body)
    {
        if (chunks <= 0) return;
        int threads = Math.Min(_count, chunks);
        if (threads == 1)
        {
            for (int i = 0; i < chunks; i++) body(i);
            return;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        try
        {
            Parallel.For(0, chunks, options, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // Surface the kernel's own exception (e.g. an index out of range), not the wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>
    /// Splits [0, <paramref name="length"/>) into contiguous ranges of at least <paramref name="grain"/>
    /// elements, one or more per thread, and runs <paramref name="body"/>(start, end) on each.
    /// </summary>
    public static void ForRange(long length, long grain, Action<long, long> body)
    {
        if (length <= 0) return;
        long maxChunks = Math.Max(1, length / Math.Max(1, grain));
        int chunks = (int)Math.Min(maxChunks, _count);
        if (chunks <= 1)
        {
            body(0, length);
            return;
        }
        long step = (length + chunks - 1) / chunks;
        For(chunks, c =>
        {
            long start = c * step;
            long end = Math.Min(length, start + step);
            if (start < end) body(start, end);
        });
    }

    private static int Initial()
    {
        var value = Environment.GetEnvironmentVariable("ENGINE_NUM_THREADS");
        return int.TryParse(value, out int n) && n >= 1 ? n : Environment.ProcessorCount;
    }
}
