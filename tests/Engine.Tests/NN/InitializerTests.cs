using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>Initializers: Keras's variances and bounds, truncation, orthogonality, reproducibility and names that round-trip.</summary>
public class InitializerTests
{
    private static double[] Draw(Initializer initializer, Shape shape, (int, int) fans, ulong seed = 1) =>
        initializer.Create(shape, fans, DType.Float64, new Generator(seed)).ToArray<double>();

    private static (double Mean, double Variance) Moments(double[] values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    public static TheoryData<string, double, bool> VarianceScaling => new()
    {
        // name, variance for fanIn 300 / fanOut 500, normal
        { "glorot_uniform", 2.0 / 800, false },
        { "glorot_normal", 2.0 / 800, true },
        { "he_uniform", 2.0 / 300, false },
        { "he_normal", 2.0 / 300, true },
        { "lecun_uniform", 1.0 / 300, false },
        { "lecun_normal", 1.0 / 300, true },
    };

    [Theory]
    [MemberData(nameof(VarianceScaling))]
    public void Variance_scaling_matches_keras(string name, double variance, bool normal)
    {
        var values = Draw(Initializer.FromName(name), new Shape(300, 500), (300, 500));
        var (mean, sampleVariance) = Moments(values);
        // 150,000 draws: the sample variance is within a few percent of the true one.
        Assert.InRange(sampleVariance / variance, 0.97, 1.03);
        Assert.InRange(mean, -4 * Math.Sqrt(variance / values.Length), 4 * Math.Sqrt(variance / values.Length));
        double std = Math.Sqrt(variance);
        // Uniform draws stay inside ±√(3·variance); Keras's truncated normal stays inside ±2σ of its untruncated σ.
        double bound = normal ? 2 * std / 0.87962566103423978 : Math.Sqrt(3 * variance);
        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.Equal(name, Initializer.FromName(name).Name);
    }

    [Fact]
    public void A_seed_reproduces_the_draw_and_another_seed_changes_it()
    {
        foreach (var initializer in new[] { Initializer.GlorotUniform, Initializer.HeNormal, Initializer.Orthogonal() })
        {
            Assert.Equal(Draw(initializer, new Shape(20, 30), (20, 30), seed: 5), Draw(initializer, new Shape(20, 30), (20, 30), seed: 5));
            Assert.NotEqual(Draw(initializer, new Shape(20, 30), (20, 30), seed: 5), Draw(initializer, new Shape(20, 30), (20, 30), seed: 6));
        }
    }

    [Theory]
    [InlineData(7, 12, 1.0)]
    [InlineData(12, 7, 1.0)]
    [InlineData(9, 9, 2.5)]
    public void Orthogonal_gives_orthonormal_rows_or_columns_times_the_gain(int rows, int columns, double gain)
    {
        var w = Initializer.Orthogonal(gain).Create(new Shape(rows, columns), (rows, columns), DType.Float64, new Generator(3));
        // The fewer of rows and columns are orthonormal: W·Wᵀ = gain²·I (rows ≤ columns) or Wᵀ·W = gain²·I.
        var product = (rows <= columns ? w.MatMul(w.T) : w.T.MatMul(w)).ToArray<double>();
        int n = Math.Min(rows, columns);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(i == j ? gain * gain : 0, product[i * n + j], 10);
    }

    [Fact]
    public void Names_round_trip_including_the_arguments()
    {
        foreach (var initializer in new[] { Initializer.Zeros, Initializer.Ones, Initializer.ConstantValue(0.125), Initializer.Orthogonal(), Initializer.Orthogonal(1.7) })
        {
            var again = Initializer.FromName(initializer.Name);
            Assert.Equal(initializer.Name, again.Name);
            Assert.Equal(Draw(initializer, new Shape(6, 6), (6, 6)), Draw(again, new Shape(6, 6), (6, 6)));
        }
        Assert.Equal("orthogonal:1.7", Initializer.Orthogonal(1.7).Name);
        Assert.Contains("unknown name 'bogus'", Assert.Throws<ArgumentException>(() => Initializer.FromName("bogus")).Message);
    }

    [Fact]
    public void A_saved_model_keeps_the_orthogonal_gain()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("engine-init-").FullName, "m.safetensors");
        try
        {
            var model = new Sequential(new Input(4), new Dense(4, kernelInitializer: Initializer.Orthogonal(3.0)));
            model.Save(path);
            var dense = Assert.IsType<Dense>(Model.Load(path).Layers[^1]);
            Assert.Equal("orthogonal:3", dense.KernelInitializer.Name);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
