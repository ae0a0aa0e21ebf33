using Engine.NN;
using Engine.Tensors;

namespace Engine.Tests.NN;

/// <summary>
/// Output shapes and parameter counts against Keras's formulas (channels first here): Dense in·out + out;
/// Conv2D k·k·C/g·F + F with out = floor((H + pads − d·(k − 1) − 1)/s) + 1; BatchNormalization 4·C with 2·C
/// non-trainable; and so on.
/// </summary>
public class LayerShapeTests
{
    private static (int[] Shape, long Params) Built(Layer layer, params int[] input)
    {
        var model = new Sequential(new Input(input), layer);
        return (layer.OutputShape!, layer.ParameterCount);
    }

    [Fact]
    public void DenseHasInputsTimesUnitsPlusUnits()
    {
        Expect(new Dense(64), [784], [64], 784L * 64 + 64);
        var (shape, count) = Built(new Dense(7, useBias: false), 3, 5);
        Assert.Equal([3, 7], shape);
        Assert.Equal(35, count);
    }

    [Theory]
    [InlineData(1, 28, 28, 32, 3, 1, 0, 32, 26, 26, 320)]
    [InlineData(32, 13, 13, 64, 3, 1, 0, 64, 11, 11, 18496)]
    [InlineData(3, 32, 32, 16, 5, 2, 2, 16, 16, 16, 1216)]
    [InlineData(8, 9, 9, 4, 1, 1, 0, 4, 9, 9, 36)]
    public void Conv2DFollowsTheOutputSizeFormula(int c, int h, int w, int filters, int k, int stride, int pad, int oc, int oh, int ow, long parameters)
    {
        var (shape, count) = Built(new Conv2D(filters, k, strides: stride, padding: pad), c, h, w);
        Assert.Equal([oc, oh, ow], shape);
        Assert.Equal(parameters, count);
    }

    [Fact]
    public void SamePaddingKeepsCeilingOfSizeOverStride()
    {
        Assert.Equal([6, 4, 5], Built(new Conv2D(6, 3, strides: 2, padding: ConvPadding.Same), 2, 7, 9).Shape);
        Assert.Equal([16, 14, 14], Built(new Conv2DTranspose(16, 3, strides: 2, padding: ConvPadding.Same), 8, 7, 7).Shape);
        Assert.Equal(8 * 16 * 9 + 16, Built(new Conv2DTranspose(16, 3, strides: 2, padding: ConvPadding.Same), 8, 7, 7).Params);
    }

    [Fact]
    public void GroupedAndDepthwiseConvolutionsDivideTheKernel()
    {
        Assert.Equal(8 * (4 / 2) * 9 + 8, Built(new Conv2D(8, 3, groups: 2), 4, 6, 6).Params);
        Assert.Equal(4 * 1 * 9 + 4, Built(new Conv2D(4, 3, groups: 4, padding: 1), 4, 6, 6).Params);
    }

    [Fact]
    public void Conv1DAndPooling()
    {
        Expect(new Conv1D(16, 5), [4, 50], [16, 46], 4L * 16 * 5 + 16);
        Expect(new MaxPool2D(2), [32, 26, 26], [32, 13, 13], 0L);
        Expect(new AveragePool2D(3, strides: 3), [32, 26, 26], [32, 8, 8], 0L);
        Expect(new MaxPool1D(2), [4, 50], [4, 25], 0L);
        Expect(new AveragePool1D(3, padding: 1), [4, 50], [4, 17], 0L);
        Expect(new GlobalAveragePool(), [64, 5, 5], [64], 0L);
        Expect(new GlobalMaxPool(), [64, 5, 5], [64], 0L);
        Expect(new UpSampling2D((2, 3)), [3, 5, 5], [3, 10, 15], 0L);
        Expect(new Flatten(), [64, 5, 5], [1600], 0L);
        Expect(new Reshape(5, -1, 3), [60], [5, 4, 3], 0L);
    }

    [Fact]
    public void NormalisationCountsMovingStatisticsAsNonTrainable()
    {
        var bn = new BatchNormalization();
        var (shape, count) = Built(bn, 32, 13, 13);
        Assert.Equal([32, 13, 13], shape);
        Assert.Equal(4 * 32, count);
        Assert.Equal(2 * 32, bn.TrainableWeights.Sum(w => w.Value.NumElements));
        Expect(new LayerNormalization(), [10, 64], [10, 64], 128L);
        Expect(new Dropout(0.5), [10, 64], [10, 64], 0L);
    }

    [Fact]
    public void TheIssuesMnistCnnHasKerasTotals()
    {
        var model = new Sequential()
            .Add(new Input(1, 28, 28))
            .Add(new Conv2D(32, kernelSize: 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Conv2D(64, 3, activation: Activation.ReLU))
            .Add(new MaxPool2D(2))
            .Add(new Flatten())
            .Add(new Dropout(0.5))
            .Add(new Dense(10, activation: Activation.Softmax));
        var text = model.Summary(TextWriter.Null);
        Assert.Equal(34826, model.ParameterCount);
        Assert.Contains("Total params: 34,826", text);
        Assert.Contains("Trainable params: 34,826", text);
        Assert.Contains("Non-trainable params: 0", text);
        Assert.Contains("(None, 64, 5, 5)", text);
        Assert.Equal([10], model.OutputShapeOfModel);
    }

    [Fact]
    public void BadConfigurationsNameTheLayer()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new Input(3, 8, 8), new Conv2D(4, 3, groups: 2, name: "odd")));
        Assert.Contains("odd", e.Message);
        Assert.Contains("divisible by groups 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.0));
        var channelsLast = Assert.Throws<ArgumentException>(() => new Sequential(new Input(28, 28, 1), new Conv2D(32, 3)));
        Assert.Contains("looks channels-last", channelsLast.Message);
        Assert.Contains("Input(1, 28, 28)", channelsLast.Message);
        var reshape = Assert.Throws<ArgumentException>(() => new Sequential(new Input(10), new Reshape(3, 4)));
        Assert.Contains("Reshape", reshape.Message);
    }

    private static void Expect(Layer layer, int[] input, int[] shape, long parameters)
    {
        var (actual, count) = Built(layer, input);
        Assert.Equal(shape, actual);
        Assert.Equal(parameters, count);
    }
}
