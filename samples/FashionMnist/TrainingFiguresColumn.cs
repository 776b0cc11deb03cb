using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// A progress-bar column with the share done and what <see cref="TrainingProgressBar"/> stored in the task's state:
/// rows per second, the running training loss and the time left. It does not wrap: on a narrow terminal the bar
/// gives up its width instead.
/// </summary>
internal sealed class TrainingFiguresColumn : ProgressColumn
{
    /// <summary>State key: rows per second in the current epoch (0 before the first report).</summary>
    public const string RowsPerSecond = "rows/s";

    /// <summary>State key: the running mean training loss of the current epoch.</summary>
    public const string Loss = "loss";

    /// <summary>State key: seconds left for the whole run at the current speed.</summary>
    public const string SecondsLeft = "left";

    /// <inheritdoc/>
    protected override bool NoWrap => true;

    /// <inheritdoc/>
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        double rate = task.State.Get<double>(RowsPerSecond);
        if (rate <= 0)
            return new Text(task.IsFinished ? "" : task.IsStarted ? "reading the data" : "waiting", new Style(Color.Grey));
        var left = TimeSpan.FromSeconds(Math.Ceiling(task.State.Get<double>(SecondsLeft)));
        string time = task.IsFinished ? "done" : $"{(int)left.TotalMinutes}:{left.Seconds:00} left";
        return new Text(string.Create(CultureInfo.InvariantCulture,
            $"{task.Percentage,3:F0}% {rate,7:N0} rows/s, loss {task.State.Get<double>(Loss):F4}, {time}"));
    }
}
