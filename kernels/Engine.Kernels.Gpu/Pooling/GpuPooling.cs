using Engine.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Kernels.Gpu;

/// <summary>
/// Max and average pooling and 2-D upsampling of contiguous NCHW planes on a GPU, with the semantics of the CPU
/// <see cref="MaxPool2d"/>, <see cref="AvgPool2d"/> and <see cref="Upsample2d"/>: argmax is the flat index h·W + w
/// within the plane, the first maximum in row-major window order wins, NaN beats every number, padded cells never
/// win. The backward passes gather (each input cell sums what routes to it), so they are deterministic without
/// atomics. float and double; every entry point queues on the accelerator's default stream.
/// </summary>
public static class GpuPooling
{
    /// <summary>y[p, oh, ow] = the maximum of the window's real cells, argmax = its flat index in the input plane.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The window sizes (must be valid, see <see cref="PoolGeometry.Problem"/>).</param>
    /// <param name="planes">N·C.</param>
    /// <param name="x">Input, [planes, H, W].</param>
    /// <param name="y">Output, [planes, OH, OW].</param>
    /// <param name="argmax">Winners' flat indices, [planes, OH, OW].</param>
    public static void MaxPool2d<T>(Accelerator accelerator, PoolGeometry geometry, long planes, ArrayView<T> x, ArrayView<T> y, ArrayView<int> argmax)
        where T : unmanaged
    {
        const string kernel = "GpuPooling.MaxPool2d";
        var g = Check(kernel, accelerator, geometry, planes);
        CheckLength(kernel, nameof(x), x.Length, planes * g.InPlane);
        CheckLength(kernel, nameof(y), y.Length, planes * g.OutPlane);
        CheckLength(kernel, nameof(argmax), argmax.Length, planes * g.OutPlane);
        long n = planes * g.OutPlane;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, PoolWindows, ArrayView<T>, ArrayView<T>, ArrayView<int>, long>>(
            accelerator, kernel, PoolingKernels<float, GpuFloatMath, GpuFloatCounts>.MaxForward.On, PoolingKernels<double, GpuDoubleMath, GpuDoubleCounts>.MaxForward.On);
        launch(GridStride.Threads(n), g, x, y, argmax, n);
    }

    /// <summary>
    /// dx = 0, then dx[p, argmax[p, o]] += dy[p, o], written as a gather: each input cell sums, in output order, the
    /// dy of the covering windows whose argmax is that cell (an argmax outside its window routes nothing).
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The forward pass's window sizes.</param>
    /// <param name="planes">N·C.</param>
    /// <param name="dy">Output gradient, [planes, OH, OW].</param>
    /// <param name="argmax">The forward pass's argmax, [planes, OH, OW].</param>
    /// <param name="dx">Input gradient, [planes, H, W], fully written.</param>
    public static void MaxPool2dBackward<T>(Accelerator accelerator, PoolGeometry geometry, long planes, ArrayView<T> dy, ArrayView<int> argmax, ArrayView<T> dx)
        where T : unmanaged
    {
        const string kernel = "GpuPooling.MaxPool2dBackward";
        var g = Check(kernel, accelerator, geometry, planes);
        CheckLength(kernel, nameof(dy), dy.Length, planes * g.OutPlane);
        CheckLength(kernel, nameof(argmax), argmax.Length, planes * g.OutPlane);
        CheckLength(kernel, nameof(dx), dx.Length, planes * g.InPlane);
        long n = planes * g.InPlane;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, PoolWindows, ArrayView<T>, ArrayView<int>, ArrayView<T>, long>>(
            accelerator, kernel, PoolingKernels<float, GpuFloatMath, GpuFloatCounts>.MaxBackward.On, PoolingKernels<double, GpuDoubleMath, GpuDoubleCounts>.MaxBackward.On);
        launch(GridStride.Threads(n), g, dy, argmax, dx, n);
    }

    /// <summary>y[p, oh, ow] = (sum of the window's real cells) / divisor (KernelH·KernelW when <paramref name="countIncludePad"/>, else the real cells).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The window sizes.</param>
    /// <param name="planes">N·C.</param>
    /// <param name="countIncludePad">Whether padded cells count in the divisor.</param>
    /// <param name="x">Input, [planes, H, W].</param>
    /// <param name="y">Output, [planes, OH, OW].</param>
    public static void AvgPool2d<T>(Accelerator accelerator, PoolGeometry geometry, long planes, bool countIncludePad, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged
    {
        const string kernel = "GpuPooling.AvgPool2d";
        var g = Check(kernel, accelerator, geometry, planes);
        CheckLength(kernel, nameof(x), x.Length, planes * g.InPlane);
        CheckLength(kernel, nameof(y), y.Length, planes * g.OutPlane);
        long n = planes * g.OutPlane;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>>(
            accelerator, kernel, PoolingKernels<float, GpuFloatMath, GpuFloatCounts>.AvgForward.On, PoolingKernels<double, GpuDoubleMath, GpuDoubleCounts>.AvgForward.On);
        launch(GridStride.Threads(n), g, countIncludePad ? 1 : 0, x, y, n);
    }

    /// <summary>The adjoint of <see cref="AvgPool2d{T}"/>: each input cell gathers dy[o] / divisor(o) over the windows covering it.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="geometry">The forward pass's window sizes.</param>
    /// <param name="planes">N·C.</param>
    /// <param name="countIncludePad">As in the forward pass.</param>
    /// <param name="dy">Output gradient, [planes, OH, OW].</param>
    /// <param name="dx">Input gradient, [planes, H, W], fully written.</param>
    public static void AvgPool2dBackward<T>(Accelerator accelerator, PoolGeometry geometry, long planes, bool countIncludePad, ArrayView<T> dy, ArrayView<T> dx)
        where T : unmanaged
    {
        const string kernel = "GpuPooling.AvgPool2dBackward";
        var g = Check(kernel, accelerator, geometry, planes);
        CheckLength(kernel, nameof(dy), dy.Length, planes * g.OutPlane);
        CheckLength(kernel, nameof(dx), dx.Length, planes * g.InPlane);
        long n = planes * g.InPlane;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, PoolWindows, int, ArrayView<T>, ArrayView<T>, long>>(
            accelerator, kernel, PoolingKernels<float, GpuFloatMath, GpuFloatCounts>.AvgBackward.On, PoolingKernels<double, GpuDoubleMath, GpuDoubleCounts>.AvgBackward.On);
        launch(GridStride.Threads(n), g, countIncludePad ? 1 : 0, dy, dx, n);
    }

    /// <summary>
    /// y = x upsampled from H×W to OH×OW: nearest (whole factors) or bilinear with align_corners = false. The bilinear
    /// source positions are exact fractions, so the taps equal the CPU's except where its double rounding crosses a cell edge.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="mode">Nearest or bilinear.</param>
    /// <param name="planes">N·C.</param>
    /// <param name="height">Input height H.</param>
    /// <param name="width">Input width W.</param>
    /// <param name="outHeight">Output height OH.</param>
    /// <param name="outWidth">Output width OW.</param>
    /// <param name="x">Input, [planes, H, W].</param>
    /// <param name="y">Output, [planes, OH, OW].</param>
    public static void Upsample2d<T>(Accelerator accelerator, UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth,
        ArrayView<T> x, ArrayView<T> y) where T : unmanaged
    {
        const string kernel = "GpuPooling.Upsample2d";
        CheckUpsample(kernel, accelerator, mode, planes, height, width, outHeight, outWidth);
        CheckLength(kernel, nameof(x), x.Length, planes * height * width);
        CheckLength(kernel, nameof(y), y.Length, planes * outHeight * outWidth);
        long n = planes * outHeight * outWidth;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>>(
            accelerator, kernel, UpsampleKernels<float, GpuFloatMath, GpuFloatCounts>.Forward.On, UpsampleKernels<double, GpuDoubleMath, GpuDoubleCounts>.Forward.On);
        launch(GridStride.Threads(n), mode == UpsampleMode.Bilinear ? 1 : 0, new BilinearAxis(height, outHeight), new BilinearAxis(width, outWidth), x, y, n);
    }

    /// <summary>The adjoint of <see cref="Upsample2d{T}"/>: each input cell gathers dy times its weight in every output cell that reads it.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="accelerator">The accelerator holding the views.</param>
    /// <param name="mode">Nearest or bilinear.</param>
    /// <param name="planes">N·C.</param>
    /// <param name="height">Input height H.</param>
    /// <param name="width">Input width W.</param>
    /// <param name="outHeight">Output height OH.</param>
    /// <param name="outWidth">Output width OW.</param>
    /// <param name="dy">Output gradient, [planes, OH, OW].</param>
    /// <param name="dx">Input gradient, [planes, H, W], fully written.</param>
    public static void Upsample2dBackward<T>(Accelerator accelerator, UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth,
        ArrayView<T> dy, ArrayView<T> dx) where T : unmanaged
    {
        const string kernel = "GpuPooling.Upsample2dBackward";
        CheckUpsample(kernel, accelerator, mode, planes, height, width, outHeight, outWidth);
        CheckLength(kernel, nameof(dy), dy.Length, planes * outHeight * outWidth);
        CheckLength(kernel, nameof(dx), dx.Length, planes * height * width);
        long n = planes * height * width;
        if (n == 0) return;
        var launch = ElementType.Pick<T, Action<Index1D, int, BilinearAxis, BilinearAxis, ArrayView<T>, ArrayView<T>, long>>(
            accelerator, kernel, UpsampleKernels<float, GpuFloatMath, GpuFloatCounts>.Backward.On, UpsampleKernels<double, GpuDoubleMath, GpuDoubleCounts>.Backward.On);
        launch(GridStride.Threads(n), mode == UpsampleMode.Bilinear ? 1 : 0, new BilinearAxis(height, outHeight), new BilinearAxis(width, outWidth), dy, dx, n);
    }

    private static PoolWindows Check(string kernel, Accelerator accelerator, PoolGeometry geometry, long planes)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (planes < 0) throw new ArgumentOutOfRangeException(nameof(planes), planes, $"{kernel}: planes = {planes} must be non-negative.");
        if (geometry.Problem() is { } problem) throw new ArgumentException($"{kernel}: {problem} ({geometry}).", nameof(geometry));
        return new PoolWindows(geometry);
    }

    private static void CheckUpsample(string kernel, Accelerator accelerator, UpsampleMode mode, long planes, int height, int width, int outHeight, int outWidth)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (planes < 0 || height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"{kernel}: sizes must be positive, got {planes} planes of {height}×{width} to {outHeight}×{outWidth}.");
        if (mode is not (UpsampleMode.Nearest or UpsampleMode.Bilinear))
            throw new ArgumentException($"{kernel}: unknown mode {mode}.", nameof(mode));
        if (mode == UpsampleMode.Nearest && (outHeight % height != 0 || outWidth % width != 0))
            throw new ArgumentException($"{kernel}: nearest needs whole scale factors, got {height}×{width} to {outHeight}×{outWidth}.", nameof(mode));
    }

    private static void CheckLength(string kernel, string name, long length, long needed)
    {
        if (length < needed) throw new ArgumentException($"{kernel}: {name} has {length} elements, the problem needs {needed}.", name);
    }
}
