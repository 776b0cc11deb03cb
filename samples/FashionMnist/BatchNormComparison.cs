using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// The <c>compare</c> command's work: trains the main job's network with and without batch normalization under each
/// <see cref="ComparisonCase"/>, measures the test accuracy after every epoch, and prints a table, the paper's claims
/// as measured (<see cref="ComparisonVerdicts"/>) and a chart of the curves.
/// </summary>
/// <remarks>
/// The test rows go to the trainer as its validation data, only to be measured after each epoch (as the paper's
/// Figure 1 plots test accuracy against training steps): early stopping is off and nothing is chosen on them.
/// </remarks>
internal sealed class BatchNormComparison
{
    /// <summary>Epochs per run on the embedded digits (1437 training rows): about 1,350 steps, a few seconds a run.</summary>
    public const int DigitsEpochs = 30;

    /// <summary>Epochs per run on Fashion-MNIST, as the main job: about 19,000 steps, 15 to 30 s a run on 2 cores.</summary>
    public const int FashionMnistEpochs = 10;

    /// <summary>The time the defaults are sized to stay under on a 2-core machine.</summary>
    private static readonly TimeSpan DigitsBudget = TimeSpan.FromMinutes(5), FashionMnistBudget = TimeSpan.FromMinutes(15);

    /// <summary>Width of one panel of the chart, and the chart's height, in pixels.</summary>
    internal const int ChartPanelWidth = 480, ChartHeight = 460;

    private readonly IAnsiConsole _console;
    private readonly ComparisonSettings _settings;

    public BatchNormComparison(IAnsiConsole console, ComparisonSettings settings)
    {
        _console = console;
        _settings = settings;
    }

    /// <summary>Runs every setting twice; returns the exit code.</summary>
    public int Execute()
    {
        var total = Stopwatch.StartNew();
        var mlContext = new MLContext(seed: _settings.Seed);
        var data = LiveConsole.Run(_console, "Loading the data", () => SampleData.Load(mlContext, _settings.Dataset,
            _settings.DataDirectory, _settings.Seed, note => LiveConsole.WriteLine(_console, note, Color.Yellow)));
        bool digits = data.FeatureCount != 784;
        int epochs = _settings.Epochs ?? (digits ? DigitsEpochs : FashionMnistEpochs);
        var cases = ComparisonCase.All;
        Line($"Dataset: {data.Name} ({data.Source}): {data.TrainCount} training rows, {data.TestCount} test rows");
        Line($"Network: {data.FeatureCount} -> 256 -> 128 -> {data.ClassNames.Count}, batch 32, {epochs} epochs per run, seed {_settings.Seed}; " +
            $"{cases.Count} settings, each with and without batch normalization ({2 * cases.Count} runs).");
        if (_settings.Epochs is null)
            Line($"The defaults ({DigitsEpochs} epochs on the digits, {FashionMnistEpochs} on Fashion-MNIST) are sized to run in under " +
                $"{DigitsBudget.TotalMinutes:F0} and {FashionMnistBudget.TotalMinutes:F0} minutes on 2 cores.");

        // The label becomes a key once, for every run; the trainers then see the same rows.
        var keys = mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data.Train);
        var train = keys.Transform(data.Train);
        var test = keys.Transform(data.Test);

        var runs = cases.SelectMany(c => new[] { (Case: c, BatchNorm: true), (Case: c, BatchNorm: false) }).ToArray();
        var bars = runs.Select(r => new TrainingProgressBar(epochs, $"{r.Case.ShortName}, {(r.BatchNorm ? "BN" : "no BN")}: ")).ToArray();
        var outcomes = new List<ComparisonOutcome>();
        void RunAll()
        {
            for (int i = 0; i < runs.Length; i++)
            {
                bars[i].Start();
                var outcome = RunOne(runs[i].Case, runs[i].BatchNorm, epochs, train, test, bars[i]);
                bars[i].Complete();
                outcomes.Add(outcome);
                string ending = outcome.Diverged
                    ? $"diverged in epoch {outcome.DivergedInEpoch}"
                    : string.Create(CultureInfo.InvariantCulture, $"test accuracy {outcome.Final:F4} after {outcome.TestAccuracy.Count} epochs");
                Line($"{outcome.Case.Name}, {outcome.Network}: {ending} ({outcome.Time.TotalSeconds:F1} s)");
            }
        }
        if (LiveConsole.IsLive(_console))
        {
            _console.Progress().AutoClear(true).Columns(TrainingProgressBar.Columns()).Start(context =>
            {
                foreach (var bar in bars)
                    bar.Attach(context.AddTask(bar.InitialDescription, autoStart: false));
                RunAll();
            });
        }
        else
        {
            RunAll();
        }

        WriteTable(outcomes, epochs);
        double margin = ComparisonVerdicts.Margin(outcomes[0].Final is var f && double.IsFinite(f) ? f : 0.5, data.TestCount);
        _console.MarkupLine("[bold]The paper's claims, as measured here[/]" + Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $" (accuracies closer than {margin:F4}, twice the standard error of a difference on {data.TestCount} test rows, count as equal):")));
        foreach (var (claim, held, measured) in ComparisonVerdicts.Describe(outcomes, margin))
        {
            Line($"- {claim}: {(held ? "held" : "not seen here")}.");
            Line($"  {measured}");
        }

        string png = Path.GetFullPath(_settings.OutputPath ?? Path.Combine("models", $"batch-norm-comparison-{(digits ? "digits" : "fashion-mnist")}.png"));
        string svg = Path.ChangeExtension(png, ".svg");
        Directory.CreateDirectory(Path.GetDirectoryName(png)!);
        EpochChart.Save(Panels(outcomes, data.Name), png, svg, ChartPanelWidth * cases.Count, ChartHeight);
        if (EpochChart.MissingFontNote is { } note)
            LiveConsole.WriteLine(_console, note, Color.Yellow);
        Line($"Chart: {png} (and {svg})");
        var budget = digits ? DigitsBudget : FashionMnistBudget;
        Line($"Done in {total.Elapsed.TotalMinutes:F1} min" +
            (_settings.Epochs is null ? $" (the defaults are sized for under {budget.TotalMinutes:F0} min on 2 cores)." : "."));
        return ExitCodes.Success;
    }

    private ComparisonOutcome RunOne(ComparisonCase setting, bool batchNorm, int epochs, IDataView train, IDataView test,
        TrainingProgressBar bar)
    {
        var accuracy = new List<double>();
        var options = setting.Options(batchNorm, epochs, _settings.Seed);
        options.Progress = new EpochRecorder(e => accuracy.Add(e.ValidationAccuracy ?? double.NaN));
        options.BatchProgress = bar;
        var time = Stopwatch.StartNew();
        string? divergence = null;
        try
        {
            new MultilayerPerceptronTrainer(options).Fit(train, test);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("diverged", StringComparison.OrdinalIgnoreCase))
        {
            divergence = e.Message;
        }
        return new ComparisonOutcome(setting, batchNorm, accuracy, divergence, time.Elapsed);
    }

    private void WriteTable(IReadOnlyList<ComparisonOutcome> outcomes, int epochs)
    {
        var table = new Table().Title("Test accuracy after each epoch (BN: with batch normalization)");
        table.AddColumn(new TableColumn("epoch").RightAligned());
        foreach (var outcome in outcomes)
            table.AddColumn(new TableColumn(Markup.Escape($"{outcome.Case.Name}\n{(outcome.BatchNormalization ? "BN" : "no BN")}")).RightAligned());
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var cells = new List<string> { epoch.ToString(CultureInfo.InvariantCulture) };
            foreach (var outcome in outcomes)
                cells.Add(epoch <= outcome.TestAccuracy.Count ? outcome.TestAccuracy[epoch - 1].ToString("F4", CultureInfo.InvariantCulture)
                    : epoch == outcome.DivergedInEpoch ? "[red]diverged[/]" : "");
            table.AddRow(cells.ToArray());
        }
        var times = new List<string> { "time" };
        times.AddRange(outcomes.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Time.TotalSeconds:F1} s")));
        table.AddRow(times.ToArray());
        _console.Write(table);
    }

    /// <summary>One panel per setting: the test accuracy per epoch with and without batch normalization.</summary>
    internal static IReadOnlyList<ChartPanel> Panels(IReadOnlyList<ComparisonOutcome> outcomes, string datasetName) =>
        outcomes.GroupBy(o => o.Case).Select(g => new ChartPanel(
            $"{datasetName}: {g.Key.Name}",
            "test accuracy",
            g.OrderByDescending(o => o.BatchNormalization).Select(o => new ChartLine(
                o.Diverged ? $"{o.Network} (diverged in epoch {o.DivergedInEpoch})" : o.Network,
                o.TestAccuracy.ToArray())).ToArray())).ToArray();

    private void Line(string text) => LiveConsole.WriteLine(_console, text);
}
