using System.Diagnostics;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// The sample's work: train the MultilayerPerceptron pipeline (with a live progress bar on a terminal), draw its
/// learning curves, evaluate it on the test rows, save it with <c>SaveWithNetworks</c>, reload it in a fresh
/// <see cref="MLContext"/>, check that it predicts the same, and show a few predictions.
/// </summary>
internal sealed class TrainingRun
{
    // Largest difference allowed between the scores of the trained and the reloaded model: the parameters are
    // stored bit for bit, so anything but rounding noise means the file lost something.
    private const float ReloadTolerance = 1e-5f;
    private const int PredictionsShown = 8;

    private readonly IAnsiConsole _console;
    private readonly SampleSettings _settings;

    public TrainingRun(IAnsiConsole console, SampleSettings settings)
    {
        _console = console;
        _settings = settings;
    }

    /// <summary>The trainer options from the command line; throws <see cref="ArgumentException"/> for invalid ones.</summary>
    public MultilayerPerceptronTrainer.Options CreateTrainerOptions(IProgress<MultilayerPerceptronEpoch>? progress,
        IProgress<MultilayerPerceptronBatchProgress>? batchProgress)
    {
        var options = new MultilayerPerceptronTrainer.Options
        {
            HiddenLayerSizes = _settings.HiddenSizes,
            UseBatchNormalization = _settings.UseBatchNormalization,
            BatchNormalizationPlacement = _settings.BatchNormPlacement,
            NumberOfEpochs = _settings.Epochs,
            BatchSize = _settings.BatchSize,
            Optimizer = _settings.Optimizer,
            LearningRate = _settings.LearningRate,
            Seed = _settings.Seed,
            ValidationFraction = _settings.ValidationFraction,
            EarlyStoppingPatience = _settings.EarlyStoppingPatience,
            BatchNormalizationMomentum = _settings.BatchNormalizationMomentum,
            Progress = progress,
            BatchProgress = batchProgress,
        };
        // The constructor validates the options: fail on the command line, before minutes of data loading.
        _ = new MultilayerPerceptronTrainer(options);
        return options;
    }

    /// <summary>Runs everything; returns the exit code.</summary>
    public int Execute(MultilayerPerceptronTrainer.Options trainerOptions, EpochProgressPrinter progress, TrainingProgressBar bar)
    {
        var total = Stopwatch.StartNew();
        var mlContext = new MLContext(seed: _settings.Seed);

        var data = LiveConsole.Run(_console, "Loading the data", () => SampleData.Load(mlContext, _settings.Dataset,
            _settings.DataDirectory, _settings.Seed, note => LiveConsole.WriteLine(_console, note, Color.Yellow)));
        _console.MarkupLine(Markup.Escape($"Dataset: {data.Name} ({data.Source})"));
        _console.MarkupLine(Markup.Escape(
            $"  {data.TrainCount} training rows, {data.TestCount} test rows, {data.FeatureCount} features, " +
            $"{data.ClassNames.Count} classes; loaded in {total.Elapsed.TotalSeconds:F1} s"));
        string layers = string.Join(" -> ", new[] { data.FeatureCount }.Concat(_settings.HiddenSizes).Append(data.ClassNames.Count));
        _console.MarkupLine(Markup.Escape(
            $"Network: {layers}, batch normalization {_settings.BatchNormDescription}"));
        _console.MarkupLine(Markup.Escape(
            $"Training: {_settings.Optimizer}, learning rate {_settings.LearningRate:G4}, batch {_settings.BatchSize}, " +
            $"{_settings.Epochs} epochs, {_settings.ValidationFraction:P0} of the training rows for validation, " +
            $"early stopping {(_settings.EarlyStoppingPatience > 0 ? $"after {_settings.EarlyStoppingPatience} epochs without improvement" : "off")}, seed {_settings.Seed}"));

        // The label becomes a key ordered by value, so key k is class k - 1 and the confusion matrix is in class
        // order; the predicted key is mapped back to the class index in a column of its own, because Evaluate
        // needs PredictedLabel to stay a key.
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label",
                keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(mlContext.MulticlassClassification.Trainers.MultilayerPerceptron(trainerOptions))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(nameof(ImagePrediction.PredictedClass), "PredictedLabel"));

        var training = Stopwatch.StartNew();
        var model = Train(pipeline, data.Train, bar);
        training.Stop();
        // Fit also reads the data into the trainer and fits MapValueToKey; the epochs alone show the network's speed.
        var epochTime = TimeSpan.FromTicks(progress.Epochs.Sum(e => e.Elapsed.Ticks));
        double rowsPerSecond = data.TrainCount * (1 - _settings.ValidationFraction) * progress.Epochs.Count / epochTime.TotalSeconds;
        _console.MarkupLine(Markup.Escape(
            $"Trained in {training.Elapsed.TotalSeconds:F1} s; the {progress.Epochs.Count} epoch(s) took {epochTime.TotalSeconds:F1} s ({rowsPerSecond:N0} rows/s)"));
        if (progress.Epochs.Count < _settings.Epochs && progress.Epochs.MinBy(e => e.ValidationLoss) is { } best)
            _console.MarkupLine(Markup.Escape(
                $"Early stopping: no lower validation loss for {_settings.EarlyStoppingPatience} epochs; the model is epoch {best.Epoch}'s."));

        string path = Path.GetFullPath(_settings.OutputPath ?? Path.Combine("models", data.ModelFileName));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string? curves = DrawLearningCurves(progress.Epochs, data.Name, path);

        var evaluation = Stopwatch.StartNew();
        var metrics = LiveConsole.Run(_console, $"Evaluating on the {data.TestCount} test rows",
            () => mlContext.MulticlassClassification.Evaluate(model.Transform(data.Test)));
        _console.MarkupLine(Markup.Escape($"Evaluated in {evaluation.Elapsed.TotalSeconds:F1} s"));
        ReportWriter.WriteMetrics(_console, metrics, data.TestCount);
        ReportWriter.WriteConfusionMatrix(_console, metrics.ConfusionMatrix, data.ClassNames);

        // A fresh context, as a separate prediction service would have.
        var serving = new MLContext(seed: _settings.Seed);
        var (loaded, maxDifference, disagreements) = LiveConsole.Run(_console, "Saving the model, reloading it and comparing", () =>
        {
            mlContext.Model.SaveWithNetworks(model, data.Train.Schema, path);
            var reloaded = serving.Model.LoadWithNetworks(path, out _);
            var (difference, different) = CompareScores(mlContext, model, reloaded, data.Test);
            return (reloaded, difference, different);
        });
        _console.MarkupLine(Markup.Escape(
            $"Reloaded model vs trained model on the {data.TestCount} test rows: max |Score difference| = {maxDifference:G3}, " +
            $"{disagreements} different predicted classes"));
        if (!(maxDifference <= ReloadTolerance) || disagreements != 0)
        {
            Console.Error.WriteLine($"error: the reloaded model does not predict like the trained one (tolerance {ReloadTolerance:G2}).");
            return ExitCodes.Failure;
        }

        var engine = serving.Model.CreatePredictionEngine<ImageRow, ImagePrediction>(loaded, inputSchemaDefinition: data.SchemaDefinition);
        var shown = mlContext.Data.CreateEnumerable<ImageRow>(data.Test, reuseRowObject: false, schemaDefinition: data.SchemaDefinition)
            .Take(PredictionsShown)
            .Select((row, index) => (index, row.Label, engine.Predict(row)))
            .ToList();
        ReportWriter.WritePredictions(_console, shown, data.ClassNames);

        _console.MarkupLine(Markup.Escape($"Test accuracy: {metrics.MicroAccuracy:F4}"));
        _console.MarkupLine(Markup.Escape($"Model written to {path} ({new FileInfo(path).Length / 1024.0:F0} KiB)"));
        if (curves is not null)
            _console.MarkupLine(Markup.Escape($"Learning curves drawn in {curves} (and {Path.ChangeExtension(curves, ".svg")})"));
        _console.MarkupLine(Markup.Escape($"Done in {total.Elapsed.TotalSeconds:F1} s"));
        return ExitCodes.Success;
    }

    // Fit, with a progress bar on a terminal; plain epoch lines otherwise (the bar then ignores the reports).
    private ITransformer Train(IEstimator<ITransformer> pipeline, IDataView train, TrainingProgressBar bar)
    {
        if (!LiveConsole.IsLive(_console))
            return pipeline.Fit(train);
        return _console.Progress().AutoClear(true).Columns(TrainingProgressBar.Columns()).Start(context =>
        {
            bar.Attach(context.AddTask(bar.InitialDescription));
            var model = pipeline.Fit(train);
            bar.Complete();
            return model;
        });
    }

    // The curves beside the model file; returns the PNG's path, or null when they could not be drawn (a warning says
    // why: the rest of the run does not depend on them).
    private string? DrawLearningCurves(IReadOnlyList<MultilayerPerceptronEpoch> epochs, string datasetName, string modelPath)
    {
        var (png, svg) = LearningCurves.PathsFor(modelPath);
        string title = $"{datasetName}, batch norm {_settings.BatchNormDescription}";
        try
        {
            LearningCurves.Save(epochs, title, png, svg);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            LiveConsole.WriteLine(_console, $"warning: the learning curves could not be drawn: {e.Message}", Color.Yellow);
            return null;
        }
        if (EpochChart.MissingFontNote is { } note)
            LiveConsole.WriteLine(_console, note, Color.Yellow);
        return png;
    }

    private static (float MaxDifference, int Disagreements) CompareScores(MLContext mlContext, ITransformer trained, ITransformer loaded, IDataView test)
    {
        using var expected = mlContext.Data.CreateEnumerable<ImagePrediction>(trained.Transform(test), reuseRowObject: false).GetEnumerator();
        using var actual = mlContext.Data.CreateEnumerable<ImagePrediction>(loaded.Transform(test), reuseRowObject: false).GetEnumerator();
        float maxDifference = 0;
        int disagreements = 0;
        while (true)
        {
            bool hasExpected = expected.MoveNext();
            if (hasExpected != actual.MoveNext())
                throw new InvalidOperationException("The reloaded model returned a different number of rows than the trained one.");
            if (!hasExpected)
                return (maxDifference, disagreements);
            var (a, b) = (expected.Current, actual.Current);
            if (a.Score.Length != b.Score.Length)
                throw new InvalidOperationException($"The reloaded model scores {b.Score.Length} classes; the trained one {a.Score.Length}.");
            for (int k = 0; k < a.Score.Length; k++)
            {
                float difference = Math.Abs(a.Score[k] - b.Score[k]);
                // NaN must not hide behind the comparison: it counts as an infinite difference.
                maxDifference = float.IsNaN(difference) ? float.PositiveInfinity : Math.Max(maxDifference, difference);
            }
            if (a.PredictedClass != b.PredictedClass)
                disagreements++;
        }
    }
}
