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

    /// <summary>
    /// A transposing copy (the source runs along the destination's row index) goes through cache tiles and 8×8 / 4×4
    /// register transposes: whole and partial tiles (64) and squares (8), a batch of planes, int elements (no
    /// vector path), and a source whose column stride is negative, on 1 and 2 threads, against the plain loop.
    /// </summary>
    [Theory]
    [InlineData(1, 37, 53)]
    [InlineData(1, 64, 300)]
    [InlineData(1, 300, 33)]
    [InlineData(3, 40, 71)]
    [InlineData(2, 32, 32)]
    [InlineData(1, 130, 200)]
    public void Transposing_copies_match_the_plain_loop(int planes, int rows, int cols)
    {
        // Source stored [planes, cols, rows] (rows contiguous); destination [planes, rows, cols] row-major.
        int[] shape = [planes, rows, cols];
        long[] srcStrides = [(long)rows * cols, 1, rows];
        long[] dstStrides = [(long)rows * cols, cols, 1];
        var random = new Random(planes * 1000 + rows * 10 + cols);
        var floats = new float[planes * rows * cols];
        for (int i = 0; i < floats.Length; i++) floats[i] = random.NextSingle();
        var expected = new float[floats.Length];
        for (int p = 0; p < planes; p++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    expected[(p * rows + r) * cols + c] = floats[p * rows * cols + r + c * rows];
        foreach (int threads in new[] { 1, 2 })
        {
            Assert.Equal(expected, RunWith(threads, () =>
            {
                var d = new float[floats.Length];
                fixed (float* ps = floats, pd = d) StridedCopy.Run<float>(shape, ps, srcStrides, pd, dstStrides);
                return d;
            }));
            var doubles = floats.Select(v => (double)v).ToArray();
            Assert.Equal(expected.Select(v => (double)v).ToArray(), RunWith(threads, () =>
            {
                var d = new double[doubles.Length];
                fixed (double* ps = doubles, pd = d) StridedCopy.Run<double>(shape, ps, srcStrides, pd, dstStrides);
                return d;
            }));
            var ints = floats.Select(v => (int)(v * 1e6)).ToArray();
            Assert.Equal(expected.Select(v => (int)(v * 1e6)).ToArray(), RunWith(threads, () =>
            {
                var d = new int[ints.Length];
                fixed (int* ps = ints, pd = d) StridedCopy.Run<int>(shape, ps, srcStrides, pd, dstStrides);
                return d;
            }));
        }
        if (planes == 1)
        {
            // Columns walked backwards: source element (r, c) at the end of the buffer minus c·rows.
            var backwards = RunWith(2, () =>
            {
                var d = new float[floats.Length];
                fixed (float* ps = floats, pd = d)
                    StridedCopy.Run<float>([rows, cols], ps + (long)(cols - 1) * rows, [1, -rows], pd, [cols, 1]);
                return d;
            });
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    Assert.Equal(floats[r + (cols - 1 - c) * rows], backwards[r * cols + c]);
        }
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
