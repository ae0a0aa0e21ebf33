namespace Engine.Bench;

/// <summary>Peak FMA throughput of this machine for one dtype and thread count.</summary>
internal sealed record PeakFigure(string DType, int Threads, double Gflops);
