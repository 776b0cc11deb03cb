using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>The <c>compare</c> subcommand: with and without batch normalization (<see cref="BatchNormComparison"/>).</summary>
internal static class CompareCommand
{
    /// <summary>The subcommand, writing to <paramref name="console"/>.</summary>
    public static System.CommandLine.Command Create(IAnsiConsole console)
    {
        var dataset = SampleCommand.DatasetOption();
        var data = SampleCommand.DataOption();
        var epochs = new Option<int?>("--epochs")
        {
            Description = $"Epochs per run (default {BatchNormComparison.DigitsEpochs} on the digits, " +
                $"{BatchNormComparison.FashionMnistEpochs} on Fashion-MNIST).",
            CustomParser = r => SampleCommand.ParseNumber<int>(r, "--epochs", v => v >= 1, "an integer of at least 1"),
        };
        var seed = SampleCommand.SeedOption();
        var output = new Option<string>("--output")
        {
            Description = "The chart's PNG file; the SVG goes beside it (default ./models/batch-norm-comparison-<dataset>.png).",
            HelpName = "FILE",
        };
        output.AcceptLegalFilePathsOnly();

        var command = new System.CommandLine.Command("compare",
            "Trains the same network with and without batch normalization under four settings (Adam 1e-3; plain SGD at " +
            "learning rate 0.5; Adam with the initial weights x10 and x0.1), prints the test accuracy after each " +
            "epoch, what it says of the paper's claims, and draws the curves.")
        {
            dataset, data, epochs, seed, output,
        };
        // "--compare" too, for those who guess an option.
        command.Aliases.Add("--compare");
        command.Validators.Add(r => SampleCommand.CheckDatasetAndData(r, dataset, data));
        command.SetAction(parseResult =>
        {
            var settings = new ComparisonSettings(
                Dataset: SampleCommand.ToDatasetChoice(parseResult.GetValue(dataset)),
                DataDirectory: parseResult.GetValue(data)?.FullName,
                Epochs: parseResult.GetValue(epochs),
                Seed: parseResult.GetValue(seed),
                OutputPath: parseResult.GetValue(output));
            return SampleCommand.RunReportingFailures(() => new BatchNormComparison(console, settings).Execute(), "");
        });
        return command;
    }
}
