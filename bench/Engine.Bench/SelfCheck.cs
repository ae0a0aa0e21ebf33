using Engine.Autodiff;
using Engine.NN;
using Engine.Tensors;

namespace Engine.Bench;

/// <summary>
/// <c>selfcheck [--device cuda|opencl|simulator|all]</c>: runs a handful of float32 ops (matmul, conv2d forward and
/// backward, softmax, unary ops, cross-entropy forward and backward, an Adam step) on each GPU and on the CPU from the
/// same inputs, prints each normalised error NMSE = Σ(gpu − cpu)² / Σcpu², and exits 1 when one is above ggml's
/// float32 bound of 1e-6 (2 when no GPU was found).
/// </summary>
internal static class SelfCheck
{
    public const double Bound = 1e-6;

    /// <summary>One check: from the CPU-made inputs and a device, the outputs (already on the host).</summary>
    private delegate float[][] Check(Tensor[] inputs, Device device);

    private static readonly (string Name, Func<Generator, Tensor[]> Inputs, Check Run)[] Checks =
    [
        ("matmul 67x45·45x33", g => [U(g, 67, 45), U(g, 45, 33)], (x, d) => [On(x[0], d).MatMul(On(x[1], d)).ToArray<float>()]),
        ("conv2d forward+backward", g => [U(g, 4, 3, 13, 11), U(g, 8, 3, 3, 3), U(g, 8)], ConvForwardBackward),
        ("softmax 37x129", g => [U(g, 37, 129, scale: 4)], (x, d) => [On(x[0], d).Softmax(-1).ToArray<float>()]),
        ("exp", g => [U(g, 1000, scale: 4)], (x, d) => [On(x[0], d).Exp().ToArray<float>()]),
        ("tanh", g => [U(g, 1000, scale: 4)], (x, d) => [On(x[0], d).Tanh().ToArray<float>()]),
        ("sigmoid", g => [U(g, 1000, scale: 4)], (x, d) => [On(x[0], d).Sigmoid().ToArray<float>()]),
        ("gelu", g => [U(g, 1000, scale: 4)], (x, d) => [On(x[0], d).Gelu().ToArray<float>()]),
        ("relu", g => [U(g, 1000, scale: 4)], (x, d) => [On(x[0], d).Relu().ToArray<float>()]),
        ("cross-entropy forward+backward", g => [U(g, 32, 10, scale: 3)], CrossEntropyForwardBackward),
        ("adam step", g => [U(g, 50, 20), U(g, 50, 20)], AdamStep),
    ];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = QuickOptions.Parse(args);
        Console.WriteLine(MachineInfo.Current().Report());
        var devices = Devices(options.Devices == "cpu" ? "all" : options.Devices);
        if (devices.Count == 0)
        {
            Console.WriteLine("selfcheck: no GPU device found; nothing checked.");
            return 2;
        }
        bool passed = true;
        foreach (var device in devices)
        {
            Console.WriteLine($"selfcheck on {device} ({device.Name}), float32, NMSE bound {Bound:G}:");
            foreach (var (name, inputs, run) in Checks) passed &= RunCheck(name, inputs, run, device);
        }
        Console.WriteLine(passed ? "selfcheck: all passed" : "selfcheck: FAILED");
        return passed ? 0 : 1;
    }

    private static List<Device> Devices(string text)
    {
        var notes = new List<string>();
        var found = Device.Available().Where(d => d.Device.IsGpu).Select(d => (d.Device.Kind, d.Device.Index)).ToList();
        var targets = TargetSelection.Resolve(TargetSelection.ParseDevices(text), [], found, notes);
        foreach (var note in notes) Console.WriteLine($"note: {note}");
        return targets.Where(t => t.Kind != DeviceKind.Cpu).Select(t => t.Kind switch
        {
            DeviceKind.Cuda => Device.Cuda(t.Index),
            DeviceKind.OpenCL => Device.OpenCL(t.Index),
            _ => Device.GpuSimulator,
        }).ToList();
    }

    private static bool RunCheck(string name, Func<Generator, Tensor[]> makeInputs, Check run, Device device)
    {
        try
        {
            var expected = run(makeInputs(new Generator(7)), Device.Cpu);
            var actual = run(makeInputs(new Generator(7)), device);
            double worst = expected.Zip(actual, Nmse).Max();
            bool ok = worst <= Bound;
            Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {name,-32} nmse {worst:E2}");
            return ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"  FAIL {name,-32} {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>Σ(a − b)² / Σb², ggml's test-backend-ops measure (b the CPU's result).</summary>
    public static double Nmse(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            error += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return double.IsNaN(error) ? double.PositiveInfinity : error / Math.Max(norm, double.Epsilon);
    }

    private static Tensor U(Generator g, params int[] dims) => U(g, dims, 1);

    private static Tensor U(Generator g, int dim0, int dim1 = 0, double scale = 1) =>
        U(g, dim1 == 0 ? [dim0] : [dim0, dim1], scale);

    private static Tensor U(Generator g, int[] dims, double scale) => Tensor.Uniform(new Shape(dims), -scale, scale, generator: g);

    private static Tensor On(Tensor t, Device device) => t.To(device);

    private static Tensor Leaf(Tensor t, Device device)
    {
        var leaf = t.To(device).Detach();
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static float[][] ConvForwardBackward(Tensor[] x, Device d)
    {
        var (input, weight, bias) = (Leaf(x[0], d), Leaf(x[1], d), Leaf(x[2], d));
        var y = input.Conv2d(weight, bias, padding: 1);
        (y * y).Sum().Backward();
        return [y.ToArray<float>(), input.Grad!.ToArray<float>(), weight.Grad!.ToArray<float>(), bias.Grad!.ToArray<float>()];
    }

    private static float[][] CrossEntropyForwardBackward(Tensor[] x, Device d)
    {
        var logits = Leaf(x[0], d);
        var labels = Tensor.FromArray(Enumerable.Range(0, logits.Shape[0]).Select(i => (i * 7) % 10).ToArray(), device: d);
        var loss = Losses.CrossEntropy(logits, labels);
        loss.Backward();
        return [loss.ToArray<float>(), logits.Grad!.ToArray<float>()];
    }

    private static float[][] AdamStep(Tensor[] x, Device d)
    {
        var parameter = Leaf(x[0], d);
        var adam = new Adam(learningRate: 0.01, parameters: [parameter]);
        (parameter * On(x[1], d)).Sum().Backward();
        adam.Step();
        return [parameter.ToArray<float>()];
    }
}
