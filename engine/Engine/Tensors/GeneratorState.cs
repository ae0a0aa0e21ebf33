namespace Engine.Tensors;

/// <summary>
/// The full state of a <see cref="Generator"/>: the four xoshiro256** words and the second Box–Muller value that
/// <see cref="Generator.NextNormal"/> keeps for its next call. Restoring it with <see cref="Generator.Restore"/>
/// makes the generator repeat exactly the numbers it gave after the state was read.
/// </summary>
/// <param name="S0">First word of the xoshiro256** state.</param>
/// <param name="S1">Second word.</param>
/// <param name="S2">Third word.</param>
/// <param name="S3">Fourth word.</param>
/// <param name="SpareNormal">The normal the next <see cref="Generator.NextNormal"/> returns without drawing, or null.</param>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
