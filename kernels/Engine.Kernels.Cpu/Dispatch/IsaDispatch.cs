using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Chooses the instruction-set path of every CPU kernel at run time: AVX-512 → AVX2+FMA → scalar.
/// The environment variable <c>ENGINE_CPU_ISA</c> (<c>scalar</c>, <c>avx2</c>, <c>avx512</c>) or
/// <see cref="Force"/> pins one path, so tests can exercise each path the machine can execute.
/// </summary>
/// <remarks>
/// Forcing <see cref="CpuIsa.Avx512"/> on a machine without AVX-512 is allowed on purpose: that path is
/// written with <c>Vector512&lt;T&gt;</c>, which .NET then runs in software, so its logic stays testable.
/// Forcing <see cref="CpuIsa.Avx2"/> where AVX2+FMA is missing throws, since those intrinsics would fault.
/// </remarks>
public static class IsaDispatch
{
    /// <summary>Name of the environment variable that forces a path.</summary>
    public const string EnvironmentVariable = "ENGINE_CPU_ISA";

    /// <summary>The best path this CPU executes in hardware.</summary>
    /// <remarks>Declared before <c>_active</c>: static initialisers run in textual order.</remarks>
    public static CpuIsa Detected { get; } = Detect();

    private static CpuIsa _active = FromEnvironment() ?? Detected;

    /// <summary>The path the kernels take now.</summary>
    public static CpuIsa Active => _active;

    /// <summary>True where the AVX2+FMA intrinsics can execute on this machine.</summary>
    public static bool Avx2Supported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>True where 512-bit vectors run in hardware (otherwise the AVX-512 path is emulated).</summary>
    public static bool Avx512Accelerated => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    [ThreadStatic] private static CpuIsa? _lastTaken;

    /// <summary>The path the last kernel entered on this thread took (null after <see cref="ResetLastTaken"/>).</summary>
    public static CpuIsa? LastTaken => _lastTaken;

    /// <summary>Clears <see cref="LastTaken"/> for this thread.</summary>
    public static void ResetLastTaken() => _lastTaken = null;

    /// <summary>
    /// Every kernel entry calls this with the path it is about to take: it rejects paths this CPU cannot
    /// execute and records the path in <see cref="LastTaken"/>, so tests can see which path really ran.
    /// </summary>
    /// <param name="isa">The path requested.</param>
    /// <param name="kernel">The kernel's name, for the error message.</param>
    /// <exception cref="ArgumentOutOfRangeException">Not a known path.</exception>
    /// <exception cref="PlatformNotSupportedException">AVX2 on a CPU without AVX2+FMA.</exception>
    public static CpuIsa Take(CpuIsa isa, string kernel)
    {
        if (isa is not (CpuIsa.Scalar or CpuIsa.Avx2 or CpuIsa.Avx512))
            throw new ArgumentOutOfRangeException(nameof(isa), isa, $"{kernel}: unknown CPU instruction-set path.");
        if (isa == CpuIsa.Avx2 && !Avx2Supported)
            throw new PlatformNotSupportedException($"{kernel}: the Avx2 path needs AVX2+FMA, which this CPU (or DOTNET_EnableAVX2=0) lacks.");
        _lastTaken = isa;
        return isa;
    }

    /// <summary>Pins the path all kernels take from now on; <c>null</c> goes back to <see cref="Detected"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">AVX2 was asked for on a CPU without AVX2+FMA.</exception>
    public static void Force(CpuIsa? isa)
    {
        var chosen = isa ?? Detected;
        if (chosen == CpuIsa.Avx2 && !Avx2Supported)
            throw new PlatformNotSupportedException("IsaDispatch.Force(Avx2): this CPU (or DOTNET_EnableAVX2=0) has no AVX2+FMA.");
        _active = chosen;
    }

    private static CpuIsa Detect()
    {
        if (Avx512Accelerated) return CpuIsa.Avx512;
        if (Avx2Supported) return CpuIsa.Avx2;
        return CpuIsa.Scalar;
    }

    private static CpuIsa? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value)) return null;
        return value.Trim().ToLowerInvariant() switch
        {
            "scalar" => CpuIsa.Scalar,
            "avx2" => Avx2Supported ? CpuIsa.Avx2 : CpuIsa.Scalar,
            "avx512" => CpuIsa.Avx512,
            _ => throw new InvalidOperationException(
                $"{EnvironmentVariable}='{value}' is not a CPU path; use scalar, avx2 or avx512."),
        };
    }
}
