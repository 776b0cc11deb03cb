using BenchmarkDotNet.Running;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;
using Microsoft.ML.BatchNorm.Benchmarks.Suites;
using Microsoft.ML.BatchNorm.Benchmarks.Infrastructure;

// Two modes:
//   dotnet run -c Release -- [BenchmarkDotNet arguments, e.g. --filter *Sgemm*]   full BenchmarkDotNet runs
//   dotnet run -c Release -- --json [--filter TEXT]...                             short mode: one JSON line per
//       figure, timed like shared/bench/torch_reference.py and named like its figures (TEXT: part of a name).
if (args.Contains("--json"))
{
    var filters = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (args[i] == "--json") continue;
        if (args[i] == "--filter" && i + 1 < args.Length) filters.Add(args[++i]);
        else
        {
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: --json [--filter TEXT]...");
            return 2;
        }
    }
    return ShortRunner.Run(FigureCatalog.All(), filters, Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(FigureBenchmark).Assembly)
    .Run(BenchmarkConfig.WithInProcess(args), BenchmarkConfig.Create());
return 0;
