using Microsoft.ML.Trainers;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// A progress bar over a training run (every epoch), fed by the trainer's in-epoch reports
/// (<see cref="MultilayerPerceptronTrainer.Options.BatchProgress"/>): the epoch, the share of rows done, rows per
/// second, the running loss and the time left. Reports arriving before a bar is attached are ignored, so the same
/// trainer options serve a terminal and redirected output.
/// </summary>
/// <remarks>
/// Implements <see cref="IProgress{T}"/> directly: the trainer reports on its thread between mini-batches, and
/// <see cref="Progress{T}"/> would post each report to the thread pool.
/// </remarks>
internal sealed class TrainingProgressBar : IProgress<MultilayerPerceptronBatchProgress>
{
    private readonly int _epochs;
    private readonly string _name;
    private ProgressTask? _task;

    /// <summary>A bar for a run of <paramref name="epochs"/> epochs; <paramref name="name"/> prefixes the epoch in its description.</summary>
    public TrainingProgressBar(int epochs, string name = "")
    {
        _epochs = epochs;
        _name = name;
    }

    /// <summary>The columns of a training progress display.</summary>
    public static ProgressColumn[] Columns() =>
        [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new TrainingFiguresColumn()];

    /// <summary>The description before the first report.</summary>
    public string InitialDescription => Markup.Escape($"{_name}epoch 1/{_epochs}");

    /// <summary>Shows the reports on <paramref name="task"/> from now on.</summary>
    public void Attach(ProgressTask task)
    {
        _task = task;
        task.IsIndeterminate = true;
    }

    /// <summary>Starts the bar's clock (a bar attached to a task created without starting it waits until then).</summary>
    public void Start() => _task?.StartTask();

    /// <summary>Marks the bar complete (also after early stopping, which ends before the last epoch).</summary>
    public void Complete()
    {
        if (_task is null) return;
        _task.IsIndeterminate = false;
        _task.Value = _task.MaxValue;
        _task.StopTask();
    }

    /// <summary>Moves the bar.</summary>
    public void Report(MultilayerPerceptronBatchProgress value)
    {
        if (_task is not { } task || value.RowCount <= 0)
            return;
        double total = (double)value.RowCount * _epochs;
        double done = (double)value.RowCount * (value.Epoch - 1) + value.RowsDone;
        double rate = value.Elapsed > TimeSpan.Zero ? value.RowsDone / value.Elapsed.TotalSeconds : 0;
        task.State.Update<double>(TrainingFiguresColumn.RowsPerSecond, _ => rate);
        task.State.Update<double>(TrainingFiguresColumn.Loss, _ => value.TrainingLoss);
        task.State.Update<double>(TrainingFiguresColumn.SecondsLeft, _ => rate > 0 ? (total - done) / rate : 0);
        task.Description = Markup.Escape($"{_name}epoch {value.Epoch}/{_epochs}");
        task.IsIndeterminate = false;
        task.MaxValue = total;
        task.Value = done;
    }
}
