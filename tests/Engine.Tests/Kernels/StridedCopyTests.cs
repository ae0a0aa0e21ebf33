using Engine.Kernels.Cpu;

namespace Engine.Tests.Kernels;

/// <summary>
/// A long copy is cut into one piece per thread; the pieces must join up exactly (odd lengths, a few long rows,
/// conversions), and views of one buffer that overlap must still copy as memmove does.
/// </summary>
[Collection(nameof(GlobalKernelSettings))]
public unsafe class StridedCopyTests
{
    private static T RunWith<T>(int threads, Func<T> body)
    {
        int saved = KernelThreads.Count;
        KernelThreads.Count = threads;
        try { return body(); }
        finally { KernelThreads.Count = saved; }
    }

    [Theory]
    [InlineData(1, 300_007)]    // one contiguous row, split into pieces
    [InlineData(3, 200_003)]    // fewer rows than threads, each long: rows and pieces
    [InlineData(5, 131_073)]
    [InlineData(1, 1000)]       // short: not split
    public void Long_contiguous_copies_match_the_source_at_any_thread_count(int rows, int rowLength)
    {
        var random = new Random(rows * 7 + rowLength);
        var source = new float[rows * rowLength];
        for (int i = 0; i < source.Length; i++) source[i] = random.NextSingle();
        int[] shape = [rows, rowLength];
        long[] strides = [rowLength, 1];
        foreach (int threads in new[] { 1, 2, 3, 7 })
        {
            var copied = RunWith(threads, () =>
            {
                var dst = new float[source.Length];
                fixed (float* s = source, d = dst) StridedCopy.Run<float>(shape, s, strides, d, strides);
                return dst;
            });
            Assert.Equal(source, copied);
            var widened = RunWith(threads, () =>
            {
                var dst = new double[source.Length];
                fixed (float* s = source) fixed (double* d = dst) StridedCopy.Convert<float, double>(shape, s, strides, d, strides);
                return dst;
            });
            Assert.Equal(source.Select(v => (double)v).ToArray(), widened);
        }
    }

    [Fact]
    public void A_long_strided_row_is_split_too()
    {
        // Every other element of a buffer (stride 2), one row of 400,000: cut into pieces like a contiguous one.
        const int n = 400_000;
        var src = new float[2 * n];
        for (int i = 0; i < src.Length; i++) src[i] = i;
        var dst = RunWith(2, () =>
        {
            var d = new float[n];
            fixed (float* ps = src, pd = d) StridedCopy.Run<float>([n], ps + 1, [2], pd, [1]);
            return d;
        });
        Assert.Equal(Enumerable.Range(0, n).Select(i => (float)(2 * i + 1)).ToArray(), dst);
    }

    [Theory]
    [InlineData(1)]   // dst starts after src: a forward element loop would smear src[0]
    [InlineData(-1)]  // dst starts before src
    public void Overlapping_views_of_one_buffer_copy_as_memmove(int shift)
    {
        const int n = 400_000;
        var buffer = new float[n + 1];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = i;
        var expected = (float[])buffer.Clone();
        int from = shift > 0 ? 0 : 1, to = shift > 0 ? 1 : 0;
        Array.Copy(buffer, from, expected, to, n);
        RunWith(2, () =>
        {
            fixed (float* p = buffer) StridedCopy.Run<float>([n], p + from, [1], p + to, [1]);
            return 0;
        });
        Assert.Equal(expected, buffer);
    }
}
