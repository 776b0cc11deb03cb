using System.Globalization;
using Microsoft.ML.Trainers;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// Prints one line per training epoch as the trainer reports it, and, when early stopping is off, one hint if the loss
/// stops improving (<see cref="NoImprovementHint"/>). Plain lines, so the output reads the same in a terminal
/// (where they scroll above the progress bar), redirected to a file, or in CI.
/// </summary>
/// <remarks>
/// Implements <see cref="IProgress{T}"/> directly: <see cref="Progress{T}"/> would post each report to the thread
/// pool, where lines could come out late or out of order.
/// </remarks>
internal sealed class EpochProgressPrinter : IProgress<MultilayerPerceptronEpoch>
{
    private readonly IAnsiConsole _console;
    private readonly NoImprovementHint? _hint;
    private bool _headerWritten;

    /// <summary>Prints to <paramref name="console"/>, and the hint of <paramref name="hint"/> if given.</summary>
    public EpochProgressPrinter(IAnsiConsole console, NoImprovementHint? hint)
    {
        _console = console;
        _hint = hint;
    }

    /// <summary>The epochs reported so far.</summary>
    public List<MultilayerPerceptronEpoch> Epochs { get; } = [];

    /// <summary>Prints the epoch's figures (the header before the first one).</summary>
    public void Report(MultilayerPerceptronEpoch value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_headerWritten)
        {
            _console.MarkupLine("[bold]epoch   train loss  train acc   valid loss  valid acc   infer gap  bn dist     time[/]");
            _headerWritten = true;
        }
        Epochs.Add(value);
        string validation = value.ValidationLoss is { } loss && value.ValidationAccuracy is { } accuracy
            ? $"{loss,10:F4}  {accuracy,9:P2}"
            : $"{"-",10}  {"-",9}";
        // The train/inference gap on a fixed sample of training rows: the inference-mode loss minus the training-mode
        // loss, and the largest distance between a mini-batch's statistics and the running ones (README: "Is the saved
        // model the one that trained?").
        string gap = value.InferenceGap is { } g
            ? $"{g.LossGap.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture),10}  {(g.MaxStatisticsDistance is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-"),7}"
            : $"{"-",10}  {"-",7}";
        _console.MarkupLine(Markup.Escape(
            $"{value.Epoch,5}   {value.TrainingLoss,10:F4}  {value.TrainingAccuracy,9:P2}   {validation}  {gap}  {value.Elapsed.TotalSeconds,6:F1} s"));
        if (_hint?.Next(value) is { } hint)
            LiveConsole.WriteLine(_console, hint, Color.Yellow);
    }
}
