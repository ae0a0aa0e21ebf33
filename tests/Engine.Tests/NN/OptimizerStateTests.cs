using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>Saving an optimizer's state and loading it into a fresh one continues training bit for bit.</summary>
public class OptimizerStateTests
{
    public static TheoryData<string, DType> Optimizers => new()
    {
        { "sgd", DType.Float64 }, { "adam", DType.Float64 }, { "adamw", DType.Float32 }, { "rmsprop", DType.Float64 }, { "adagrad", DType.Float32 },
    };

    private static Optimizer Create(string kind, Tensor[] parameters) => kind switch
    {
        "sgd" => new Sgd(0.05, momentum: 0.9, nesterov: true, parameters: parameters),
        "adam" => new Adam(0.01, amsgrad: true, schedule: new CosineDecay(0.01, 20), parameters: parameters),
        "adamw" => new AdamW(0.01, parameters: parameters),
        "rmsprop" => new RmsProp(0.01, momentum: 0.5, centered: true, parameters: parameters),
        _ => new Adagrad(0.1, learningRateDecay: 0.01, parameters: parameters),
    };

    private static void Train(Optimizer optimizer, int from, int to)
    {
        var parameters = optimizer.Parameters;
        for (int step = from; step < to; step++)
        {
            for (int i = 0; i < parameters.Count; i++) OptimizerTests.SetGrad(parameters[i], OptimizerTests.Gradient(parameters[i], step, i));
            optimizer.Step();
        }
    }

    private static Tensor[] Copies(IReadOnlyList<Tensor> parameters) => parameters.Select(p =>
    {
        var copy = p.Detach().Clone();
        copy.RequiresGrad = true;
        return copy;
    }).ToArray();

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Loading_saved_state_into_a_fresh_optimizer_resumes_bit_identically(string kind, DType dtype)
    {
        var original = Create(kind, OptimizerTests.Parameters(8, dtype));
        Train(original, 0, 3);
        var state = original.GetState();
        var resumed = Create(kind, Copies(original.Parameters));
        resumed.LoadState(state);
        Assert.Equal(3, resumed.Iterations);
        Assert.Equal(original.LearningRate, resumed.LearningRate);
        Train(original, 3, 6);
        Train(resumed, 3, 6);
        for (int i = 0; i < original.Parameters.Count; i++)
            Assert.Equal(original.Parameters[i].ToDoubles(), resumed.Parameters[i].ToDoubles());
    }

    [Fact]
    public void State_is_a_copy_named_by_parameter_index_and_slot()
    {
        var parameters = OptimizerTests.Parameters(9);
        var optimizer = new Adam(parameters: parameters);
        Train(optimizer, 0, 1);
        var state = optimizer.GetState();
        Assert.Equal(1.0, state["iterations"].Item());
        Assert.Equal(new[] { "iterations", "learning_rate", "param.0.exp_avg", "param.0.exp_avg_sq", "param.1.exp_avg", "param.1.exp_avg_sq", "param.2.exp_avg", "param.2.exp_avg_sq" },
            state.Keys.Order(StringComparer.Ordinal));
        var saved = state["param.0.exp_avg"].ToDoubles();
        Train(optimizer, 1, 2);
        Assert.Equal(saved, state["param.0.exp_avg"].ToDoubles());
    }

    [Fact]
    public void Loading_a_state_that_does_not_fit_throws()
    {
        var optimizer = new Adam(parameters: OptimizerTests.Parameters(10));
        Assert.Throws<ArgumentException>(() => optimizer.LoadState(new Dictionary<string, Tensor> { ["param.7.exp_avg"] = Tensor.Zeros(new Shape(3)) }));
        Assert.Throws<ArgumentException>(() => optimizer.LoadState(new Dictionary<string, Tensor> { ["param.0.exp_avg"] = Tensor.Zeros(new Shape(4)) }));
        var ex = Assert.Throws<ArgumentException>(() => optimizer.LoadState(new Dictionary<string, Tensor> { ["momentum"] = Tensor.Zeros(new Shape(1)) }));
        Assert.Contains("Adam.LoadState", ex.Message);
    }
}
