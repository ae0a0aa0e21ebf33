namespace Engine.Tests;

/// <summary>
/// Tests that change process-wide kernel settings (the thread count, a forced ISA path), or that measure the
/// process (its working set), join this collection, which xunit runs alone, never beside other tests.
/// </summary>
[CollectionDefinition(nameof(GlobalKernelSettings), DisableParallelization = true)]
public sealed class GlobalKernelSettings;
