using Engine.Examples;

// dotnet run -c Release --project examples/Regression
Friedman.Run(new Friedman.Options(), Console.Out);
