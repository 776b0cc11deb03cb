using Microsoft.ML.Trainers;
using System.Globalization;
using BenchmarkDotNet.Running;
using Microsoft.ML.BatchNorm.Benchmarks.Figures;
using Microsoft.ML.BatchNorm.Benchmarks.Suites;
using Microsoft.ML.BatchNorm.Benchmarks.Infrastructure;

// Two modes:
//   dotnet run -c Release -- [BenchmarkDotNet arguments, e.g. --filter *Sgemm*]   full BenchmarkDotNet runs
//   dotnet run -c Release -- --json [--filter TEXT]... [--epochs N] [--seeds K] [--skip-mlp]   short mode: one JSON
//       line per figure, timed like shared/bench/torch_reference.py and named like its figures (TEXT: part of a name;
//       --epochs and --skip-mlp as the script's: MLP epochs per batch size, default 2, and no MLP/predict figures;
//       --seeds: the test accuracy is the mean over networks trained with seeds 0..K-1, default 1;
//       --initialization he-normal|pytorch-uniform|glorot-uniform: the MLP's initial weights, default he-normal).
//   dotnet run -c Release -- --small-batch-study [--epochs N] [--seeds K] [--train-rows R] [--filter TEXT]...
//       plain BN, Batch Renorm and ghost BN on Fashion-MNIST at small and large batch sizes (Studies/SmallBatchStudy.cs):
//       test accuracy mean ± std over seeds 0..K-1 (default 5) after N epochs (default 3) on the first R training rows
//       (default 60000), as a markdown table; TEXT keeps the arms whose "B=.. name" contains it.
if (args.Contains("--small-batch-study"))
    return Microsoft.ML.BatchNorm.Benchmarks.Studies.SmallBatchStudyCommand.Run(args);
const string Usage = "Usage: --json [--filter TEXT]... [--epochs N (>= 1, default 2)] [--seeds K (>= 1, default 1)] " +
    "[--initialization he-normal|pytorch-uniform|glorot-uniform] [--skip-mlp]";
if (args.Contains("--json"))
{
    var filters = new List<string>();
    int epochs = 2, seeds = 1;
    var initialization = MultilayerPerceptronInitialization.HeNormal;
    bool skipMlp = false;
    for (int i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--json":
                break;
            case "--skip-mlp":
                skipMlp = true;
                break;
            case "--filter" when i + 1 < args.Length:
                filters.Add(args[++i]);
                break;
            case "--epochs" when i + 1 < args.Length:
                if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out epochs) || epochs < 1)
                {
                    Console.Error.WriteLine($"--epochs needs a whole number of at least 1; got '{args[i]}'. {Usage}");
                    return 2;
                }
                break;
            case "--seeds" when i + 1 < args.Length:
                if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out seeds) || seeds < 1)
                {
                    Console.Error.WriteLine($"--seeds needs a whole number of at least 1; got '{args[i]}'. {Usage}");
                    return 2;
                }
                break;
            case "--initialization" when i + 1 < args.Length:
                switch (args[++i])
                {
                    case "he-normal": initialization = MultilayerPerceptronInitialization.HeNormal; break;
                    case "pytorch-uniform": initialization = MultilayerPerceptronInitialization.PyTorchUniform; break;
                    case "glorot-uniform": initialization = MultilayerPerceptronInitialization.GlorotUniform; break;
                    default:
                        Console.Error.WriteLine($"--initialization needs he-normal, pytorch-uniform or glorot-uniform; got '{args[i]}'. {Usage}");
                        return 2;
                }
                break;
            default:
                Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. {Usage}");
                return 2;
        }
    }
    return ShortRunner.Run(FigureCatalog.All(epochs, includeMlp: !skipMlp, seeds, initialization), filters, Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(FigureBenchmark).Assembly)
    .Run(BenchmarkConfig.WithInProcess(args), BenchmarkConfig.Create());
return 0;
