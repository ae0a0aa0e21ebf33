using Engine.Tensors;

namespace Engine.NN;

/// <summary>
/// How a weight's initial values are drawn, from the model's seeded <see cref="Generator"/> (so a seeded model
/// starts from the same weights every run). The variance-scaling ones follow Keras's definitions; fans are
/// given by the layer (Dense: inputs and units; convolution: channels·kernel area on each side).
/// </summary>
public abstract class Initializer
{
    /// <summary>The Keras name, saved in the architecture ("glorot_uniform").</summary>
    public abstract string Name { get; }

    /// <summary>Draws a tensor of the given shape.</summary>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="fans">Fan-in and fan-out.</param>
    /// <param name="dtype">Float32 or Float64.</param>
    /// <param name="generator">The source of randomness.</param>
    public abstract Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator);

    /// <summary>Uniform in ±√(6 / (fanIn + fanOut)): Keras's default for Dense and convolution kernels.</summary>
    public static Initializer GlorotUniform => new VarianceScaling("glorot_uniform", 1.0, FanMode.Average, normal: false);

    /// <summary>Truncated normal with variance 2 / (fanIn + fanOut).</summary>
    public static Initializer GlorotNormal => new VarianceScaling("glorot_normal", 1.0, FanMode.Average, normal: true);

    /// <summary>Uniform in ±√(6 / fanIn): for ReLU layers.</summary>
    public static Initializer HeUniform => new VarianceScaling("he_uniform", 2.0, FanMode.In, normal: false);

    /// <summary>Truncated normal with variance 2 / fanIn.</summary>
    public static Initializer HeNormal => new VarianceScaling("he_normal", 2.0, FanMode.In, normal: true);

    /// <summary>Uniform in ±√(3 / fanIn): for SELU layers.</summary>
    public static Initializer LecunUniform => new VarianceScaling("lecun_uniform", 1.0, FanMode.In, normal: false);

    /// <summary>Truncated normal with variance 1 / fanIn.</summary>
    public static Initializer LecunNormal => new VarianceScaling("lecun_normal", 1.0, FanMode.In, normal: true);

    /// <summary>All zeros: Keras's default for biases.</summary>
    public static Initializer Zeros => new Constant("zeros", 0);

    /// <summary>All ones.</summary>
    public static Initializer Ones => new Constant("ones", 1);

    /// <summary>Every element <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    public static Initializer ConstantValue(double value) =>
        new Constant("constant:" + value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), value);

    /// <summary>Uniform in [−<paramref name="limit"/>, <paramref name="limit"/>) whatever the fans: Keras's default for embeddings (0.05).</summary>
    /// <param name="limit">Half the width of the interval; positive.</param>
    public static Initializer RandomUniform(double limit = 0.05) => limit > 0 && double.IsFinite(limit)
        ? new Uniform(limit)
        : throw new ArgumentOutOfRangeException(nameof(limit), limit, "RandomUniform: the limit must be positive and finite.");

    /// <summary>A (scaled) random orthogonal matrix of the weight flattened to [rows = first axis … , columns = last axis].</summary>
    /// <param name="gain">Multiplies the matrix.</param>
    public static Initializer Orthogonal(double gain = 1.0) => new OrthogonalInitializer(gain);

    /// <summary>Looks an initializer up by its Keras name.</summary>
    /// <param name="name">"glorot_uniform", "he_normal", "zeros", …</param>
    public static Initializer FromName(string name) => name switch
    {
        "glorot_uniform" => GlorotUniform,
        "glorot_normal" => GlorotNormal,
        "he_uniform" => HeUniform,
        "he_normal" => HeNormal,
        "lecun_uniform" => LecunUniform,
        "lecun_normal" => LecunNormal,
        "zeros" => Zeros,
        "ones" => Ones,
        "orthogonal" => Orthogonal(),
        _ when name.StartsWith("orthogonal:", StringComparison.Ordinal)
            && double.TryParse(name["orthogonal:".Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double gain)
            => Orthogonal(gain),
        _ when name.StartsWith("random_uniform:", StringComparison.Ordinal)
            && double.TryParse(name["random_uniform:".Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double limit)
            => RandomUniform(limit),
        _ when name.StartsWith("constant:", StringComparison.Ordinal)
            && double.TryParse(name["constant:".Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            => ConstantValue(value),
        _ => throw new ArgumentException($"Initializer: unknown name '{name}'."),
    };

    /// <summary>Which fan the variance is divided by.</summary>
    private enum FanMode { In, Average }

    private sealed class VarianceScaling(string name, double scale, FanMode mode, bool normal) : Initializer
    {
        /// <summary>The standard deviation of a normal truncated at ±2σ, as a fraction of σ (Keras's correction).</summary>
        private const double TruncatedStdRatio = 0.87962566103423978;

        public override string Name => name;

        public override Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator)
        {
            double fan = mode == FanMode.In ? fans.FanIn : (fans.FanIn + fans.FanOut) / 2.0;
            double variance = scale / Math.Max(1.0, fan);
            var values = new double[shape.NumElements];
            if (normal)
            {
                double std = Math.Sqrt(variance) / TruncatedStdRatio;
                for (long i = 0; i < values.Length; i++)
                {
                    double z;
                    do z = generator.NextNormal(); while (Math.Abs(z) > 2);
                    values[i] = z * std;
                }
            }
            else
            {
                double limit = Math.Sqrt(3 * variance);
                for (long i = 0; i < values.Length; i++) values[i] = (2 * generator.NextDouble() - 1) * limit;
            }
            return Tensor.FromArray(values, shape).To(dtype);
        }
    }

    private sealed class Uniform(double limit) : Initializer
    {
        public override string Name => "random_uniform:" + limit.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        public override Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator)
        {
            var values = new double[shape.NumElements];
            for (long i = 0; i < values.Length; i++) values[i] = (2 * generator.NextDouble() - 1) * limit;
            return Tensor.FromArray(values, shape).To(dtype);
        }
    }

    private sealed class Constant(string name, double value) : Initializer
    {
        public override string Name => name;

        public override Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator) =>
            Tensor.Full(shape, value, dtype);
    }

    private sealed class OrthogonalInitializer(double gain) : Initializer
    {
        /// <summary>"orthogonal", or "orthogonal:gain" when the gain is not 1, so a saved model keeps it.</summary>
        public override string Name => gain == 1 ? "orthogonal" : "orthogonal:" + gain.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Gram–Schmidt (twice, for stability) on a Gaussian matrix, with the rows or columns orthonormal, whichever are fewer.</summary>
        public override Tensor Create(Shape shape, (int FanIn, int FanOut) fans, DType dtype, Generator generator)
        {
            if (shape.Rank < 2) throw new ArgumentException($"Orthogonal: needs a weight of rank 2 or more, got {shape}.");
            int columns = shape[shape.Rank - 1];
            int rows = (int)(shape.NumElements / columns);
            bool transpose = rows < columns;
            int n = transpose ? columns : rows, m = transpose ? rows : columns; // m orthonormal vectors of length n
            var q = new double[m][];
            for (int j = 0; j < m; j++)
            {
                var v = new double[n];
                for (int i = 0; i < n; i++) v[i] = generator.NextNormal();
                for (int pass = 0; pass < 2; pass++)
                    for (int p = 0; p < j; p++)
                    {
                        double dot = 0;
                        for (int i = 0; i < n; i++) dot += v[i] * q[p][i];
                        for (int i = 0; i < n; i++) v[i] -= dot * q[p][i];
                    }
                double norm = Math.Sqrt(v.Sum(x => x * x));
                for (int i = 0; i < n; i++) v[i] /= norm;
                q[j] = v;
            }
            // The gain scales the finished basis: applied inside the loop, later projections would use vectors of norm gain.
            var values = new double[shape.NumElements];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    values[(long)r * columns + c] = gain * (transpose ? q[r][c] : q[c][r]);
            return Tensor.FromArray(values, shape).To(dtype);
        }
    }
}
