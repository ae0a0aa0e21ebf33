using Engine.Examples;

// dotnet run -c Release --project examples/MnistMlp [-- --epochs N]
var options = new MnistMlp.Options();
for (int i = 0; i + 1 < args.Length; i++)
    if (args[i] == "--epochs") options = options with { Epochs = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) };
MnistMlp.Run(options, Console.Out);
