using System.Globalization;

namespace Microsoft.ML.BatchNorm.Benchmarks.Studies;

/// <summary>The command line of <see cref="SmallBatchStudy"/>: <c>--small-batch-study [--epochs N] [--seeds K] [--train-rows R] [--filter TEXT]...</c>.</summary>
internal static class SmallBatchStudyCommand
{
    private const string Usage = "Usage: --small-batch-study [--epochs N (>= 1, default 3)] [--seeds K (>= 2, default 5)] " +
        "[--train-rows R (>= 2, default 60000)] [--filter TEXT]...";

    /// <summary>Parses <paramref name="args"/> and runs the study; returns the exit code (2 for a bad argument).</summary>
    public static int Run(string[] args)
    {
        int epochs = 3, seeds = 5, trainRows = 60000;
        var filters = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--small-batch-study":
                    break;
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--epochs" when i + 1 < args.Length:
                    if (!TryParse(args[++i], 1, out epochs)) return Bad("--epochs", args[i], 1);
                    break;
                case "--seeds" when i + 1 < args.Length:
                    if (!TryParse(args[++i], 2, out seeds)) return Bad("--seeds", args[i], 2);
                    break;
                case "--train-rows" when i + 1 < args.Length:
                    if (!TryParse(args[++i], 2, out trainRows)) return Bad("--train-rows", args[i], 2);
                    break;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. {Usage}");
                    return 2;
            }
        }
        return SmallBatchStudy.Run(epochs, seeds, trainRows, filters, Console.Out);
    }

    private static bool TryParse(string text, int minimum, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= minimum;

    private static int Bad(string option, string text, int minimum)
    {
        Console.Error.WriteLine($"{option} needs a whole number of at least {minimum}; got '{text}'. {Usage}");
        return 2;
    }
}
