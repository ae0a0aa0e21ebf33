using Engine.Examples;

// dotnet run -c Release --project examples/MnistSequence [-- --model lstm|gru|transformer] [--epochs N]
var options = new MnistSequence.Options();
for (int i = 0; i + 1 < args.Length; i++)
{
    if (args[i] == "--epochs") options = options with { Epochs = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) };
    if (args[i] == "--model") options = options with { Model = Enum.Parse<MnistSequence.Kind>(args[i + 1], ignoreCase: true) };
}
MnistSequence.Run(options, Console.Out);
