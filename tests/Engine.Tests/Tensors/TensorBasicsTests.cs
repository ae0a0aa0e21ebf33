using System.Diagnostics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary>Creation, conversion, printing, errors and memory behaviour of tensors.</summary>
/// <remarks>Runs alone (the memory tests read the process's working set, which other tests' allocations would move).</remarks>
[Collection(nameof(GlobalKernelSettings))]
public class TensorBasicsTests
{
    [Fact]
    public void CreationFunctions()
    {
        Assert.Equal(new float[] { 0, 0, 0, 0 }, Tensor.Zeros(new Shape(2, 2)).ToArray<float>());
        Assert.Equal(new double[] { 2.5, 2.5 }, Tensor.Full(new Shape(2), 2.5, DType.Float64).ToArray<double>());
        Assert.Equal(new float[] { 1, 1, 1 }, Tensor.Ones(new Shape(3)).ToArray<float>());
        Assert.Equal(new int[] { 2, 5, 8 }, Tensor.Arange(2, 10, 3, DType.Int32).ToArray<int>());
        Assert.Equal(new double[] { 0, 0.25, 0.5, 0.75, 1 }, Tensor.Linspace(0, 1, 5, DType.Float64).ToArray<double>());
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0 }, Tensor.Eye(2, 3).ToArray<float>());
        Assert.Equal(3.0, Tensor.Scalar(3).Item());
        Assert.Equal(0, Tensor.Scalar(3).Rank);
        Assert.Equal(Device.Cpu, Tensor.Zeros(new Shape(1)).Device);
    }

    [Fact]
    public void RandomCreationIsSeededAndReproducible()
    {
        var a = Tensor.Randn(new Shape(1000), generator: new Generator(42)).ToArray<float>();
        var b = Tensor.Randn(new Shape(1000), generator: new Generator(42)).ToArray<float>();
        var c = Tensor.Randn(new Shape(1000), generator: new Generator(43)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.InRange(a.Average(), -0.15, 0.15);
        Assert.InRange(Math.Sqrt(a.Select(x => x * (double)x).Average()), 0.9, 1.1);
        var u = Tensor.Uniform(new Shape(1000), -2, 3, DType.Float64, new Generator(1)).ToArray<double>();
        Assert.All(u, x => Assert.InRange(x, -2, 3));
        Assert.InRange(u.Average(), 0.3, 0.7);
    }

    [Fact]
    public void ArraysInAndOut()
    {
        var m = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new[] { 2, 3 }, m.Shape.ToArray());
        Assert.Equal(DType.Float64, m.DType);
        var back = (double[,])m.T.ToNDArray();
        Assert.Equal(3, back.GetLength(0));
        Assert.Equal(4.0, back[0, 1]);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, m.To(DType.Float32).ToArray<float>());
        Assert.Equal(new[] { 1, -2 }, Tensor.FromArray(new[] { 1.7f, -2.9f }).To(DType.Int32).ToArray<int>());
        // NaN and infinities survive float32 ↔ float64; into int32 NaN becomes 0 and infinities saturate.
        var specials = Tensor.FromArray(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.5f });
        Assert.Equal(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5 }, specials.To(DType.Float64).ToArray<double>());
        Assert.Equal(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.5f }, specials.To(DType.Float64).To(DType.Float32).ToArray<float>());
        Assert.Equal(new[] { 0, int.MaxValue, int.MinValue, 0 }, specials.To(DType.Int32).ToArray<int>());
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], new Shape(2, 3)));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<InvalidOperationException>(() => m.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => m.Item());
    }

    [Fact]
    public void PrintsValuesShapeDtypeAndDevice()
    {
        var t = Tensor.FromArray(new float[,] { { 1, -2.5f }, { 3, 4 } });
        string s = t.ToString();
        Assert.Equal("tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]], shape=(2, 2), dtype=float32, device=cpu)", s);
        var big = Tensor.Arange(5000, DType.Int32).Reshape(50, 100);
        string b = big.ToString();
        Assert.Contains("...", b);
        Assert.Contains("4999", b);
        Assert.DoesNotContain("2500", b);
        Assert.Contains("shape=(50, 100), dtype=int32", b);
        Assert.Contains("True", (t > 0).ToString());
    }

    [Fact]
    public void ErrorsNameTheOpAndTheShapes()
    {
        var a = Tensor.Zeros(new Shape(2, 3));
        var b = Tensor.Zeros(new Shape(4, 3));
        var e = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("Add", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
        var d = Assert.Throws<ArgumentException>(() => a * Tensor.Zeros(new Shape(2, 3), DType.Float64));
        Assert.Contains("dtype", d.Message);
        Assert.Contains("float64", d.Message);
        var ax = Assert.Throws<ArgumentOutOfRangeException>(() => a.Sum(2));
        Assert.Contains("axis 2", ax.Message);
        var r = Assert.Throws<ArgumentException>(() => a.Reshape(4, 2));
        Assert.Contains("Reshape", r.Message);
        var f = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1, 2 }).Exp());
        Assert.Contains("Exp", f.Message);
        Assert.Contains("int32", f.Message);
    }

    [Fact]
    public void DisposedTensorsFailClearly()
    {
        var t = Tensor.Ones(new Shape(3));
        var view = t.Reshape(1, 3);
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => view.Exp());
        Assert.Contains("disposed", e.Message);
    }

    /// <summary>10,000 steps of matmul + relu without disposing anything: memory stays bounded.</summary>
    [Fact]
    public void TrainingLoopMemoryStaysBounded()
    {
        var x = Tensor.Randn(new Shape(64, 128), generator: new Generator(1));
        var w = Tensor.Randn(new Shape(128, 128), generator: new Generator(2)) * 0.05;
        long StepMemory(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                var h = x.MatMul(w).Relu();
                _ = h.Sum();
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return Process.GetCurrentProcess().WorkingSet64;
        }
        StepMemory(2_000); // warm up: JIT, pools, the GC's own heap sizing
        // Tensors other test classes keep in static fields (data sets) are in use too: count from here.
        long inUseBefore = CpuMemoryPool.Statistics.InUse;
        // Steady state: a leak grows in every half; the runtime's one-off growth happens before.
        long middle = StepMemory(5_000);
        long after = StepMemory(5_000);
        long grown = CpuMemoryPool.Statistics.InUse - inUseBefore;
        // Each step allocates ~64 KiB of outputs; 5,000 of them unreleased would be ~320 MiB.
        Assert.True(after - middle < 32L << 20, $"working set grew by {(after - middle) >> 20} MiB over the last 5,000 steps");
        Assert.True(grown < 32L << 20, $"the pool holds {grown >> 20} MiB more after 10,000 steps and a collection");
    }
}
