namespace Engine.Bench;

/// <summary>
/// Which batch time stands for a case: each case runs as batches of calls of at least ~10 ms, and every figure of a
/// run (ours, NumPy's and PyTorch's) takes the same statistic of its batches.
/// </summary>
internal enum TimingStatistic
{
    /// <summary>The median batch: the typical call, including the machine's usual interference.</summary>
    Median,

    /// <summary>
    /// The fastest batch: the call undisturbed by other work on the machine, comparable with the peak FMA figure (also
    /// the best of its measurements). On a shared VM whose second core comes and goes, the median of a 2-thread case
    /// measures the neighbours as much as the code.
    /// </summary>
    Best,
}
