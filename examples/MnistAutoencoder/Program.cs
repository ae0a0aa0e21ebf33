using Engine.Examples;

// dotnet run -c Release --project examples/MnistAutoencoder [-- --epochs N]
var options = new MnistAutoencoder.Options();
for (int i = 0; i + 1 < args.Length; i++)
    if (args[i] == "--epochs") options = options with { Epochs = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) };
MnistAutoencoder.Run(options, Console.Out);
