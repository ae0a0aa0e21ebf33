namespace Engine.Bench;

/// <summary>One benchmark case with its buffers allocated: <see cref="Run"/> is the timed call.</summary>
internal interface IWorkload : IDisposable
{
    void Run();
}
