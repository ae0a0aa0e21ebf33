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
        if (KernelWorkers.TryRun(threads, chunks, body)) return;
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

/// <summary>
/// Dedicated kernel worker threads that, after a job, spin briefly before blocking, so back-to-back kernel
/// calls (a training step's GEMMs) hand work over in well under a microsecond instead of waking thread-pool
/// threads each time. One caller at a time: a concurrent or nested caller falls back to Parallel.For.
/// Chunks are claimed through a counter, so the job finishes even if a worker never wakes.
/// </summary>
internal static class KernelWorkers
{
    /// <summary>How long an idle worker spins for the next job before blocking.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 µs

    private sealed class Job(long id, int chunks, Action<int> body)
    {
        public readonly long Id = id;
        public readonly int Chunks = chunks;
        public readonly Action<int> Body = body;
        public int Next;
        public int Done;
        public Exception? Error;

        /// <summary>Runs chunks until none is left unclaimed.</summary>
        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < Chunks)
            {
                try { Body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                Interlocked.Increment(ref Done);
            }
        }
    }

    private static int s_busy;
    private static long s_lastId;
    private static Job? s_job;
    private static int s_workers;
    private static int s_sleepers;
    private static readonly object s_lock = new();

    public static bool TryRun(int threads, int chunks, Action<int> body)
    {
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
        try
        {
            EnsureWorkers(threads - 1);
            var job = new Job(++s_lastId, chunks, body);
            Interlocked.Exchange(ref s_job, job); // full fence: the sleeper check below must not move above it
            if (Volatile.Read(ref s_sleepers) > 0)
            {
                lock (s_lock) Monitor.PulseAll(s_lock);
            }
            job.Work();
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < chunks) spin.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref s_job, null);
            if (job.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
            return true;
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void EnsureWorkers(int count)
    {
        while (s_workers < count)
        {
            new Thread(WorkerLoop) { IsBackground = true, Name = $"Engine kernel worker {s_workers + 1}" }.Start();
            s_workers++;
        }
    }

    private static void WorkerLoop()
    {
        // The last job's id, not the job: holding it would keep its closure (and what that captures) alive.
        long last = 0;
        while (true)
        {
            Job? job = Volatile.Read(ref s_job);
            if (job != null && job.Id != last)
            {
                last = job.Id;
                job.Work();
                continue;
            }
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (true)
            {
                job = Volatile.Read(ref s_job);
                if (job != null && job.Id != last) break;
                if (System.Diagnostics.Stopwatch.GetTimestamp() - start > SpinTicks)
                {
                    lock (s_lock)
                    {
                        Interlocked.Increment(ref s_sleepers);
                        job = Volatile.Read(ref s_job);
                        // A lost wake-up only costs speed: the caller runs every chunk no worker claims.
                        if (job == null || job.Id == last) Monitor.Wait(s_lock);
                        Interlocked.Decrement(ref s_sleepers);
                    }
                    start = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                else Thread.SpinWait(20);
            }
        }
    }
}
