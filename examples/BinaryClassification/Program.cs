using Engine.Examples;

// dotnet run -c Release --project examples/BinaryClassification
ZeroDetector.Run(new ZeroDetector.Options(), Console.Out);
