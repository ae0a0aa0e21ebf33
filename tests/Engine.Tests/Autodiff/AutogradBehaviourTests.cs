using System.Diagnostics;
using Engine.Autodiff;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Autodiff;

/// <summary>What Backward, Grad, NoGrad, Detach and in-place updates do, and the errors they raise.</summary>
/// <remarks>Runs alone (the memory tests read the process's working set, which other tests' allocations would move).</remarks>
[Collection(nameof(GlobalKernelSettings))]
public class AutogradBehaviourTests
{
    [Fact]
    public void CreationFunctionsMakeLeavesThatRequireGrad()
    {
        Assert.True(Tensor.Zeros(new Shape(2), requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Ones(new Shape(2), requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Full(new Shape(2), 3, requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Rand(new Shape(2), requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Randn(new Shape(2), requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Uniform(new Shape(2), -1, 1, requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.Normal(new Shape(2), 0, 1, requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.FromArray(new float[] { 1, 2 }, requiresGrad: true).RequiresGrad);
        Assert.True(Tensor.FromArray(new double[,] { { 1 } }, requiresGrad: true).IsLeaf);
        Assert.False(Tensor.Zeros(new Shape(2)).RequiresGrad);
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(new Shape(2), DType.Int32, requiresGrad: true));
        Assert.Contains("int32", e.Message);
        var w = Tensor.Zeros(new Shape(2));
        w.RequiresGrad = true;
        var y = w * 2.0;
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    [Fact]
    public void GradientsOfASimpleExpression()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }, requiresGrad: true);
        var y = (x * x * 3.0 + x).Sum(); // dy/dx = 6x + 1
        y.Backward();
        Assert.Equal(new double[] { 7, 13, 19 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void ATensorUsedTwiceAccumulatesBothPaths()
    {
        var x = Tensor.FromArray(new double[] { 0.5, -1, 2 }, requiresGrad: true);
        var h = x.Tanh();
        var y = (h * x + h.Exp() + x.Square()).Sum();
        GradCheck.Assert(t => { var h2 = t[0].Tanh(); return (h2 * t[0] + h2.Exp() + t[0].Square()).Sum(); }, [x.Detach()]);
        y.Backward();
        var expected = new[] { 0.5, -1, 2 }.Select(v =>
        {
            double th = Math.Tanh(v), dth = 1 - th * th;
            return dth * v + th + Math.Exp(th) * dth + 2 * v;
        }).ToArray();
        var got = x.Grad!.ToArray<double>();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 12);
    }

    [Fact]
    public void GradAccumulatesAcrossBackwardCallsUntilZeroed()
    {
        var w = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        (w * 3.0).Sum().Backward();
        (w * 3.0).Sum().Backward();
        Assert.Equal(new double[] { 6, 6 }, w.Grad!.ToArray<double>());
        w.ZeroGrad();
        Assert.Null(w.Grad);
        (w * 5.0).Sum().Backward();
        Assert.Equal(new double[] { 5, 5 }, w.Grad!.ToArray<double>());
    }

    [Fact]
    public void EveryGradOwnsItsMemory()
    {
        var a = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var b = Tensor.FromArray(new double[] { 3, 4 }, requiresGrad: true);
        var v = Tensor.FromArray(new double[] { 1, 1 });
        (a + b).Backward(v);
        Assert.NotSame(a.Grad!.Storage, b.Grad!.Storage);
        Assert.NotSame(v.Storage, a.Grad.Storage);
        Assert.NotSame(v.Storage, b.Grad.Storage);
        var leaf = Tensor.FromArray(new double[] { 5, 6 }, requiresGrad: true);
        leaf.Backward(v);
        Assert.NotSame(v.Storage, leaf.Grad!.Storage);
        Assert.Equal(new double[] { 1, 1 }, leaf.Grad.ToArray<double>());
    }

    [Fact]
    public void NonScalarOutputsNeedAnOutputGradient()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }, requiresGrad: true);
        var y = x * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("gradient", e.Message);
        y.Backward(Tensor.FromArray(new double[] { 1, 10, 100 }));
        Assert.Equal(new double[] { 2, 20, 200 }, x.Grad!.ToArray<double>());
        var wrong = Assert.Throws<ArgumentException>(() => (x * 2.0).Backward(Tensor.Ones(new Shape(2), DType.Float64)));
        Assert.Contains("(2,)", wrong.Message);
    }

    [Fact]
    public void BackwardOnATensorWithoutGradFails()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 });
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2.0).Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
    }

    [Fact]
    public void ASecondBackwardThroughAFreedGraphFailsUnlessRetained()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = (x.Exp() * x).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("freed", e.Message);
        Assert.Contains("retainGraph", e.Message);

        var z = (x.Exp() * x).Sum();
        x.ZeroGrad();
        z.Backward(retainGraph: true);
        var once = x.Grad!.ToArray<double>();
        z.Backward();
        var twice = x.Grad!.ToArray<double>();
        for (int i = 0; i < 2; i++) Assert.Equal(2 * once[i], twice[i], 12);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var w = Tensor.Ones(new Shape(3), requiresGrad: true);
        Assert.True(Autograd.IsGradEnabled);
        Tensor y;
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            using (Autograd.NoGrad()) y = (w * 2.0).Exp().Sum();
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }

    [Fact]
    public void OpsOutsideTheGraphAllocateNothingForRecording()
    {
        var plain = Tensor.Ones(new Shape(8));
        var param = Tensor.Ones(new Shape(8), requiresGrad: true);
        long Allocated(Func<Tensor> op)
        {
            op();
            long before = GC.GetAllocatedBytesForCurrentThread();
            op();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        long withoutGrad = Allocated(() => (plain * 2.0).Exp().Slice(0, 1, 7, 2).Sum(0));
        long underNoGrad;
        using (Autograd.NoGrad()) underNoGrad = Allocated(() => (param * 2.0).Exp().Slice(0, 1, 7, 2).Sum(0));
        long recording = Allocated(() => (param * 2.0).Exp().Slice(0, 1, 7, 2).Sum(0));
        Assert.Equal(withoutGrad, underNoGrad);
        Assert.True(recording > withoutGrad, $"recording allocated {recording} bytes, no more than the {withoutGrad} of plain ops");
    }

    [Fact]
    public void NoGradIsPerThread()
    {
        var w = Tensor.Ones(new Shape(3), requiresGrad: true);
        bool otherThreadRecords = false;
        using (Autograd.NoGrad())
        {
            var thread = new Thread(() => otherThreadRecords = (w * 2.0).RequiresGrad);
            thread.Start();
            thread.Join();
        }
        Assert.True(otherThreadRecords);
    }

    [Fact]
    public void DetachCutsTheGraphAndSharesStorage()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var h = x * 3.0;
        var d = h.Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        Assert.Same(h.Storage, d.Storage);
        (h * d).Sum().Backward(); // d acts as a constant: ∂/∂x = 3·d
        Assert.Equal(new double[] { 9, 18 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void NonDifferentiableOpsGiveTensorsWithoutGrad()
    {
        var x = Tensor.FromArray(new double[,] { { 1, 5 }, { 3, 2 } }, requiresGrad: true);
        Assert.False(x.ArgMax(1).RequiresGrad);
        Assert.False(x.ArgMin().RequiresGrad);
        Assert.False((x > 2).RequiresGrad);
        Assert.False(x.Eq(x).RequiresGrad);
        Assert.False(x.ArgMax(1).OneHot(2).RequiresGrad);
        Assert.False(x.To(DType.Int32).RequiresGrad);
    }

    [Fact]
    public void InPlaceUpdatesNeedNoGradOnTensorsThatRequireGrad()
    {
        var w = Tensor.FromArray(new float[] { 1, 2, 3 }, requiresGrad: true);
        var step = Tensor.FromArray(new float[] { 0.5f, 0.5f, 1 });
        var e = Assert.Throws<InvalidOperationException>(() => w.SubInPlace(step));
        Assert.Contains("NoGrad", e.Message);
        using (Autograd.NoGrad())
        {
            w.SubInPlace(step);
            w.AddInPlace(Tensor.Scalar(1));
        }
        Assert.Equal(new float[] { 1.5f, 2.5f, 3 }, w.ToArray<float>());
        Assert.True(w.IsLeaf);
        var plain = Tensor.Zeros(new Shape(2, 2));
        plain.T.Assign(Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } }));
        Assert.Equal(new float[] { 1, 3, 2, 4 }, plain.ToArray<float>());
        plain.T.SubInPlace(Tensor.Ones(new Shape(2)));
        Assert.Equal(new float[] { 0, 2, 1, 3 }, plain.ToArray<float>());
    }

    [Fact]
    public void GradCheckReportsTheWorstElement()
    {
        // Detach hides one factor from the graph, so the analytic gradient is x but the true one 2x.
        var x = Tensor.FromArray(new double[] { 1, -3, 2 });
        var result = GradCheck.Run(t => t[0].Detach() * t[0], [x]);
        Assert.False(result.Passed);
        Assert.Equal(0, result.InputIndex);
        Assert.Equal(3, result.Failures);
        var e = Assert.Throws<GradCheckException>(() => GradCheck.Assert(t => t[0].Detach() * t[0], [x]));
        Assert.Contains("input 0", e.Message);
        Assert.Contains("flat index", e.Message);
        Assert.Contains("analytic", e.Message);
        Assert.Contains("numeric", e.Message);
        Assert.True(GradCheck.Run(t => t[0] * t[0], [x]).Passed);
        Assert.Equal(new double[] { 1, -3, 2 }, x.ToArray<double>()); // perturbations are undone
    }

    [Fact]
    public void GradCheckInFloat32UsesLooserTolerances()
    {
        var x = Tensor.Uniform(new Shape(3, 4), -2, 2, DType.Float32, new Generator(5));
        var w = Tensor.Uniform(new Shape(4, 2), -1, 1, DType.Float32, new Generator(6));
        GradCheck.Assert(t => t[0].MatMul(t[1]).Tanh().Softmax(-1), [x, w]);
        Assert.Equal((1e-3, 1e-2, 1e-2), GradCheck.DefaultTolerance(DType.Float32));
        Assert.Equal((1e-6, 1e-5, 1e-3), GradCheck.DefaultTolerance(DType.Float64));
    }

    /// <summary>
    /// A loss that is kept (as a training log keeps them) holds none of its graph after Backward():
    /// the activations it was computed from can be collected.
    /// </summary>
    [Fact]
    public void BackwardReleasesTheGraphOfAKeptLoss()
    {
        var w = Tensor.Randn(new Shape(8, 8), DType.Float64, requiresGrad: true);
        var (loss, activation) = MakeLoss(w);
        loss.Backward();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(activation.IsAlive, "an activation of a finished step is still reachable from its loss");
        GC.KeepAlive(loss);

        var (retained, kept) = MakeLoss(w);
        retained.Backward(retainGraph: true);
        GC.Collect();
        Assert.True(kept.IsAlive, "retainGraph: true must keep the graph");
        GC.KeepAlive(retained);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (Tensor Loss, WeakReference Activation) MakeLoss(Tensor w)
    {
        var h = w.MatMul(w).Tanh();
        return ((h * h).Sum(), new WeakReference(h));
    }

    /// <summary>10,000 SGD steps of a small model: every step's graph is released, so memory stays bounded.</summary>
    [Fact]
    public void TrainingLoopWithBackwardKeepsMemoryBounded()
    {
        var g = new Generator(3);
        var x = Tensor.Randn(new Shape(16, 32), generator: g);
        var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i % 10).ToArray());
        var w1 = (Tensor.Randn(new Shape(32, 32), generator: g) * 0.2).Detach();
        var w2 = (Tensor.Randn(new Shape(32, 10), generator: g) * 0.2).Detach();
        w1.RequiresGrad = true;
        w2.RequiresGrad = true;
        double firstLoss = 0, lastLoss = 0;
        long Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var loss = Losses.CrossEntropy(x.MatMul(w1).Relu().MatMul(w2), labels);
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    w1.SubInPlace(w1.Grad! * 0.05);
                    w2.SubInPlace(w2.Grad! * 0.05);
                }
                w1.ZeroGrad();
                w2.ZeroGrad();
                if (firstLoss == 0) firstLoss = loss.Item();
                if (i == count - 1) lastLoss = loss.Item();
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return Process.GetCurrentProcess().WorkingSet64;
        }
        Steps(2_000); // warm up: JIT, pools, the GC's own heap sizing
        // Steady state: a leak grows in every half; the runtime's one-off growth happens before.
        long middle = Steps(5_000);
        long after = Steps(5_000);
        Assert.True(after - middle < 32L << 20, $"working set grew by {(after - middle) >> 20} MiB over the last 5,000 steps");
        Assert.True(CpuMemoryPool.Statistics.InUse < 64L << 20, $"pool reports {CpuMemoryPool.Statistics.InUse >> 20} MiB in use");
        Assert.True(lastLoss < firstLoss * 0.5, $"the loss did not fall: {firstLoss} → {lastLoss}");
    }
}
