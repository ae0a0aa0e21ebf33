using System.Runtime.CompilerServices;

namespace Engine.Kernels.Cpu;

/// <summary>
/// Raw-bit tags that carry a small int (an input row) inside a float or double vector lane, so a vector
/// select can track which row won a column without integer vectors: the select copies bits, never reads them.
/// </summary>
internal static class RowTag<T> where T : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Of(int row)
    {
        if (typeof(T) == typeof(float))
        {
            float f = BitConverter.Int32BitsToSingle(row);
            return Unsafe.As<float, T>(ref f);
        }
        double d = BitConverter.Int64BitsToDouble(row);
        return Unsafe.As<double, T>(ref d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row(T tag)
    {
        if (typeof(T) == typeof(float)) return BitConverter.SingleToInt32Bits(Unsafe.As<T, float>(ref tag));
        return (int)BitConverter.DoubleToInt64Bits(Unsafe.As<T, double>(ref tag));
    }
}
