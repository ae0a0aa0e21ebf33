namespace Engine.Bench;

/// <summary>The thread counts the BenchmarkDotNet suites run at: 1 and all cores.</summary>
public static class BenchThreads
{
    public static IEnumerable<int> OneAndAll => new[] { 1, Environment.ProcessorCount }.Distinct();
}
