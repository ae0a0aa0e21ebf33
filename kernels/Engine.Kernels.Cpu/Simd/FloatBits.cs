namespace Engine.Kernels.Cpu;

/// <summary>IEEE-754 single-precision layout constants used by the bit-level vector helpers.</summary>
internal static class FloatBits
{
    public const int MantissaBits = 23;
    public const int ExponentBias = 127;
    public const int MantissaMask = (1 << MantissaBits) - 1;
    /// <summary>Bits of 1.5·2^23: adding it rounds to an integer and leaves that integer in the low bits.</summary>
    public const int ShiftBits = 0x4B400000;
    public const float Shift = 12582912f;
    public const int SqrtHalfBits = 0x3F3504F3;
    public const int TwoPow23Bits = 0x4B000000;
    public const float TwoPow23 = 8388608f;
}

/// <summary>IEEE-754 double-precision layout constants used by the bit-level vector helpers.</summary>
internal static class DoubleBits
{
    public const int MantissaBits = 52;
    public const long ExponentBias = 1023;
    public const long MantissaMask = (1L << MantissaBits) - 1;
    /// <summary>Bits of 1.5·2^52: adding it rounds to an integer and leaves that integer in the low bits.</summary>
    public const long ShiftBits = 0x4338000000000000;
    public const double Shift = 6755399441055744.0;
    public const long SqrtHalfBits = 0x3FE6A09E667F3BCD;
    public const long TwoPow52Bits = 0x4330000000000000;
    public const double TwoPow52 = 4503599627370496.0;
}
