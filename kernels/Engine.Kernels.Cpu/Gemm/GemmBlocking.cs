namespace Engine.Kernels.Cpu;

/// <summary>
/// Cache-blocking sizes of one micro-kernel: an Mc×Kc block of A is packed to sit in L2, a Kc×Nr sliver of
/// packed B in L1, and a Kc×Nc panel of B in L3. Mc is a multiple of the kernel's Mr, Nc of its Nr.
/// </summary>
internal readonly record struct GemmBlocking(int Mc, int Kc, int Nc);
