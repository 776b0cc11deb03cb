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
            _console.MarkupLine("[bold]epoch   train loss  train acc   valid loss  valid acc     time[/]");
            _headerWritten = true;
        }
        Epochs.Add(value);
        string validation = value.ValidationLoss is { } loss && value.ValidationAccuracy is { } accuracy
            ? $"{loss,10:F4}  {accuracy,9:P2}"
            : $"{"-",10}  {"-",9}";
        _console.MarkupLine(Markup.Escape(
            $"{value.Epoch,5}   {value.TrainingLoss,10:F4}  {value.TrainingAccuracy,9:P2}   {validation}  {value.Elapsed.TotalSeconds,6:F1} s"));
        if (_hint?.Next(value) is { } hint)
            LiveConsole.WriteLine(_console, hint, Color.Yellow);
    }
}
