// Engine benchmarks.
//
//   dotnet run -c Release --project bench/Engine.Bench -- [BenchmarkDotNet args]
//       BenchmarkDotNet suites (GEMM, unary, softmax, sum at 1 thread and all threads), e.g.
//       -- --filter '*Gemm*'   or   -- --list flat   or   -- --filter '*' --job short
//
//   dotnet run -c Release --project bench/Engine.Bench -- quick [filter] [--compare] [--threads 1,2]
//                                                        [--seconds 1] [--warmup 0.5] [--python /usr/bin/python3]
//       Quick table: peak FMA first, then each case (name contains filter) ~1 s after warm-up; GFLOP/s and
//       % of peak for GEMM, elements/ns otherwise. --compare also times NumPy/OpenBLAS and PyTorch CPU via
//       compare.py. Writes bench/results/quick-latest.json.
using BenchmarkDotNet.Running;
using Engine.Bench;

if (args.Length > 0 && args[0] == "quick")
{
    try
    {
        return new QuickRunner(QuickOptions.Parse(args[1..])).Run();
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks<>).Assembly).Run(args);
return 0;
