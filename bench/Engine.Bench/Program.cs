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
//       [--device cpu|cuda[:N]|opencl[:N]|simulator|all] (comma list; default cpu) [--isa scalar,avx2,avx512|all]
//       run each case on each device and CPU path; GPU rows add GB/s for the memory-bound cases; --compare on CUDA
//       times PyTorch on CUDA (TF32 off). ENGINE_BENCH_RESULTS=DIR writes the JSON there instead.
//
//   dotnet run -c Release --project bench/Engine.Bench -- selfcheck [--device cuda|opencl|simulator|all]
//       float32 ops on each GPU against the CPU; exit 1 when a normalised error exceeds 1e-6 (2: no GPU).
#if !QUICK_ONLY
using BenchmarkDotNet.Running;
#endif
using Engine.Bench;

if (args.Length > 0 && args[0] is "quick" or "selfcheck")
{
    try
    {
        return args[0] == "quick" ? new QuickRunner(QuickOptions.Parse(args[1..])).Run() : SelfCheck.Run(args[1..]);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

#if QUICK_ONLY
Console.Error.WriteLine("This build has only the quick and selfcheck modes (built with -p:QuickOnly=true).");
return 2;
#else
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks<>).Assembly).Run(args);
return 0;
#endif
