using System.Globalization;
using Engine.Examples;

// dotnet run -c Release --project examples/MnistGan [-- --epochs N] [--samples grid.pgm]
var options = new MnistGan.Options();
for (int i = 0; i + 1 < args.Length; i++)
{
    if (args[i] == "--epochs") options = options with { Epochs = int.Parse(args[i + 1], CultureInfo.InvariantCulture) };
    if (args[i] == "--samples") options = options with { SamplesPath = args[i + 1] };
}
MnistGan.Run(options, Console.Out);
