using Microsoft.ML.BatchNorm.Samples.FashionMnist;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Tests.Samples;

/// <summary>The FashionMnist sample's command line end to end, on the embedded digits (a few seconds each).</summary>
[TestClass]
public sealed class FashionMnistSampleTests
{
    private string _directory = "";

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "fashion-mnist-sample-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>Runs the sample as redirected output would (plain text); returns its exit code, output and errors.</summary>
    private static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var errors = new StringWriter();
        TextWriter standardError = Console.Error;
        Console.SetError(errors);
        try
        {
            int exitCode = SampleCommand.Run(args, console);
            return (exitCode, output.ToString(), errors.ToString());
        }
        finally
        {
            Console.SetError(standardError);
        }
    }

    [TestMethod]
    public void TrainsAndDrawsTheLearningCurvesBesideTheModel()
    {
        string model = Path.Combine(_directory, "digits.zip");
        var (exitCode, output, errors) = Run("--dataset", "digits", "--epochs", "2", "--output", model);

        Assert.AreEqual(ExitCodes.Success, exitCode, errors);
        StringAssert.Contains(output, "10 % of the training rows for validation");
        StringAssert.Contains(output, $"Learning curves drawn in {Path.Combine(_directory, "digits-curves.png")}");
        ImageFileAssert.IsPng(Path.Combine(_directory, "digits-curves.png"), LearningCurves.Width, LearningCurves.Height);
        ImageFileAssert.IsSvg(Path.Combine(_directory, "digits-curves.svg"), LearningCurves.Width, LearningCurves.Height);
    }

    [TestMethod]
    public void BatchNormAfterTheActivationTrainsAndLoadsBack()
    {
        string model = Path.Combine(_directory, "after.zip");
        var (exitCode, output, errors) = Run("--dataset", "digits", "--epochs", "2", "--bn-placement", "after", "--output", model);

        Assert.AreEqual(ExitCodes.Success, exitCode, errors);
        StringAssert.Contains(output, "batch normalization on, after the ReLU");
        var loaded = new MLContext().Model.LoadWithNetworks(model, out _);
        var network = ((IEnumerable<ITransformer>)loaded).OfType<ML.Trainers.MultilayerPerceptronPredictionTransformer>().Single();
        Assert.AreEqual(ML.Trainers.MultilayerPerceptronBatchNormalizationPlacement.AfterActivation, network.Model.Layers[0].BatchNormalizationPlacement);
    }

    [TestMethod]
    public void ThePlacementNeedsBatchNormalization()
    {
        var (exitCode, _, errors) = Run("--dataset", "digits", "--no-batch-norm", "--bn-placement", "after");
        Assert.AreEqual(ExitCodes.BadArguments, exitCode);
        StringAssert.Contains(errors, "--bn-placement");
        StringAssert.Contains(errors, "--no-batch-norm");
        (exitCode, _, errors) = Run("--dataset", "digits", "--bn-placement", "middle");
        Assert.AreEqual(ExitCodes.BadArguments, exitCode);
        StringAssert.Contains(errors, "middle");
    }

    [TestMethod]
    public void ADivergedRunStopsWithOneLineNamingTheEpochStepAndFix()
    {
        var (exitCode, output, errors) = Run("--dataset", "digits", "--epochs", "3", "--optimizer", "sgd",
            "--learning-rate", "1000", "--no-batch-norm", "--output", Path.Combine(_directory, "m.zip"));

        Assert.AreEqual(ExitCodes.Failure, exitCode, output);
        string[] lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, errors);
        StringAssert.StartsWith(lines[0], "error: Training diverged at epoch 1, mini-batch ");
        StringAssert.Contains(lines[0], "Lower the learning rate or enable batch normalization");
        StringAssert.Contains(lines[0], "--learning-rate 1000, --no-batch-norm");
        Assert.IsFalse(errors.Contains("   at ", StringComparison.Ordinal), "no stack trace");
    }

    [TestMethod]
    public void EarlyStoppingNeedsValidationRows()
    {
        var (exitCode, _, errors) = Run("--dataset", "digits", "--early-stopping", "2", "--validation-fraction", "0");
        Assert.AreEqual(ExitCodes.BadArguments, exitCode);
        StringAssert.Contains(errors, "--early-stopping watches the validation loss");
    }

    [TestMethod]
    public void EpochLinesShowTheInferenceGapAndTheMomentumIsAnOption()
    {
        var (exitCode, output, errors) = Run("--dataset", "digits", "--epochs", "1", "--batch-norm-momentum", "0.001",
            "--output", Path.Combine(_directory, "m.zip"));
        Assert.AreEqual(ExitCodes.Success, exitCode, errors);
        StringAssert.Contains(output, "running-statistics momentum 0.001");
        string[] lines = output.Split('\n');
        string header = lines.Single(l => l.StartsWith("epoch ", StringComparison.Ordinal));
        StringAssert.Contains(header, "infer gap  bn dist");
        // Epoch 1's line: a signed loss gap and a distance in the two columns before the time.
        string[] fields = lines.Single(l => l.TrimStart().StartsWith("1 ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsTrue(fields[^4].StartsWith('+') || fields[^4].StartsWith('-'), fields[^4]);
        Assert.IsGreaterThan(0.0, double.Parse(fields[^3], System.Globalization.CultureInfo.InvariantCulture));

        var (badExit, _, badErrors) = Run("--dataset", "digits", "--batch-norm-momentum", "1.5");
        Assert.AreEqual(ExitCodes.BadArguments, badExit);
        StringAssert.Contains(badErrors, "--batch-norm-momentum");
    }

    [TestMethod]
    public void CompareTrainsEverySettingWithAndWithoutBatchNorm()
    {
        string chart = Path.Combine(_directory, "compare.png");
        var (exitCode, output, errors) = Run("compare", "--dataset", "digits", "--epochs", "2", "--output", chart);

        Assert.AreEqual(ExitCodes.Success, exitCode, errors);
        foreach (var setting in ComparisonCase.All)
        {
            StringAssert.Contains(output, $"{setting.Name}, with batch norm: ");
            StringAssert.Contains(output, $"{setting.Name}, without batch norm: ");
        }
        StringAssert.Contains(output, "Test accuracy after each epoch");
        Assert.AreEqual(ComparisonCase.All.Count, output.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal)
            && (l.TrimEnd().EndsWith(": held.", StringComparison.Ordinal) || l.TrimEnd().EndsWith(": not seen here.", StringComparison.Ordinal))), output);
        ImageFileAssert.IsPng(chart, BatchNormComparison.ChartPanelWidth * ComparisonCase.All.Count, BatchNormComparison.ChartHeight);
        ImageFileAssert.IsSvg(Path.ChangeExtension(chart, ".svg"), BatchNormComparison.ChartPanelWidth * ComparisonCase.All.Count, BatchNormComparison.ChartHeight);
    }
}
