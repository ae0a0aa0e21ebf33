using System.Text.RegularExpressions;
using Engine.Examples;

namespace Engine.Tests.Examples;

/// <summary>
/// Each example in a reduced mode (fewer epochs and samples) so the suite stays fast: it trains, reaches a
/// modest bar, and ends with its test metric on a line of its own, as the full run does.
/// </summary>
[Collection(nameof(GlobalKernelSettings))]
public partial class ExampleTests
{
    [GeneratedRegex(@"\Atest (accuracy|rmse|inception score): (\d+\.\d{4})\z")]
    private static partial Regex FinalLine();

    private static double FinalMetric(StringWriter output, double returned)
    {
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var match = FinalLine().Match(lines[^1]);
        Assert.True(match.Success, $"last line: '{lines[^1]}'");
        Assert.Equal(returned, double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 4);
        return returned;
    }

    [Fact]
    public void MnistCnn()
    {
        var output = new StringWriter();
        double accuracy = FinalMetric(output, Engine.Examples.MnistCnn.Run(new MnistCnn.Options(Epochs: 2, TrainSamples: 4000, Verbose: 0), output));
        Assert.True(accuracy > 0.85, $"accuracy {accuracy}");
    }

    [Fact]
    public void MnistMlp()
    {
        var output = new StringWriter();
        double accuracy = FinalMetric(output, Engine.Examples.MnistMlp.Run(new MnistMlp.Options(Epochs: 3, TrainSamples: 4000, Verbose: 0), output));
        Assert.True(accuracy > 0.85, $"accuracy {accuracy}");
    }

    [Theory]
    [InlineData(Engine.Examples.MnistSequence.Kind.Lstm)]
    [InlineData(Engine.Examples.MnistSequence.Kind.Gru)]
    [InlineData(Engine.Examples.MnistSequence.Kind.Transformer)]
    public void MnistSequence(Engine.Examples.MnistSequence.Kind model)
    {
        var output = new StringWriter();
        double accuracy = FinalMetric(output, Engine.Examples.MnistSequence.Run(
            new Engine.Examples.MnistSequence.Options(model, Epochs: 2, TrainSamples: 4000, Verbose: 0), output));
        Assert.True(accuracy > 0.75, $"{model} accuracy {accuracy}");
    }

    [Fact]
    public void BinaryClassification()
    {
        var output = new StringWriter();
        double accuracy = FinalMetric(output, ZeroDetector.Run(new ZeroDetector.Options(Epochs: 2, TrainSamples: 3000, Verbose: 0), output));
        Assert.True(accuracy > 0.95, $"accuracy {accuracy}");
        Assert.Contains("ROC AUC", output.ToString());
    }

    [Fact]
    public void Regression()
    {
        var output = new StringWriter();
        double rmse = FinalMetric(output, Friedman.Run(new Friedman.Options(Epochs: 15, TrainSamples: 2000, Verbose: 0), output));
        var baseline = Regex.Match(output.ToString(), @"training mean: (\d+\.\d+)");
        Assert.True(rmse < 0.6 * double.Parse(baseline.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), output.ToString());
    }

    [Fact]
    public void MnistAutoencoder()
    {
        var output = new StringWriter();
        double rmse = FinalMetric(output, Engine.Examples.MnistAutoencoder.Run(
            new Engine.Examples.MnistAutoencoder.Options(Epochs: 6, TrainSamples: 4000, Verbose: 0), output));
        var baselines = Regex.Match(output.ToString(), @"noisy input (\d+\.\d+), mean training digit (\d+\.\d+)");
        Assert.True(baselines.Success, output.ToString());
        double best = Math.Min(Parse(baselines.Groups[1].Value), Parse(baselines.Groups[2].Value));
        Assert.True(rmse < 0.75 * best, output.ToString());
    }

    [Fact]
    public void MnistGan()
    {
        var output = new StringWriter();
        double score = FinalMetric(output, Engine.Examples.MnistGan.Run(new MnistGan.Options(Epochs: 2, Verbose: 0), output));
        Assert.True(score > 2.5, $"inception score {score}\n{output}");
        // An untrained generator must score near the noise baseline, so the bar above measures the training.
        var untrained = new StringWriter();
        double baseline = FinalMetric(untrained, Engine.Examples.MnistGan.Run(new MnistGan.Options(Epochs: 0, Verbose: 0), untrained));
        Assert.True(baseline < 2, $"untrained inception score {baseline}\n{untrained}");
    }

    private static double Parse(string number) => double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
}
