using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Trainers;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// The command line (System.CommandLine): options, their validation, and the exit codes. The root command trains one
/// network; the <c>compare</c> subcommand (<see cref="CompareCommand"/>) trains it with and without batch normalization.
/// </summary>
internal static class SampleCommand
{
    private static readonly int[] DefaultHidden = [256, 128];
    private const float DefaultAdamLearningRate = 1e-3f;
    private const float DefaultSgdLearningRate = 0.05f;

    /// <summary>Parses <paramref name="args"/>, runs the sample and returns the exit code (2 for a bad command line).</summary>
    public static int Run(string[] args, IAnsiConsole console)
    {
        var dataset = DatasetOption();
        var data = DataOption();
        var epochs = new Option<int>("--epochs")
        {
            Description = "Passes over the training data.",
            DefaultValueFactory = _ => 10,
            CustomParser = r => ParseNumber<int>(r, "--epochs", v => v >= 1, "an integer of at least 1"),
        };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Rows per mini-batch.",
            DefaultValueFactory = _ => 32,
            CustomParser = r => ParseNumber<int>(r, "--batch-size", v => v >= 1, "an integer of at least 1"),
        };
        var hidden = new Option<string>("--hidden")
        {
            Description = "Hidden layer widths, comma-separated (\"none\": softmax regression).",
            HelpName = "SIZES",
            DefaultValueFactory = _ => string.Join(",", DefaultHidden),
        };
        hidden.Validators.Add(r =>
        {
            if (!TryParseHiddenSizes(r.GetValueOrDefault<string>(), out _, out string? error))
                r.AddError(error);
        });
        var learningRate = new Option<float?>("--learning-rate")
        {
            Description = $"Step size (default {DefaultAdamLearningRate} for adam, {DefaultSgdLearningRate} for sgd).",
            HelpName = "RATE",
            CustomParser = r => ParseNumber<float>(r, "--learning-rate", v => v > 0 && float.IsFinite(v), "a positive number"),
        };
        var noBatchNorm = new Option<bool>("--no-batch-norm") { Description = "Dense -> ReLU hidden layers, without batch normalization." };
        var placement = new Option<string>("--bn-placement")
        {
            Description = "Where batch normalization sits in a hidden layer: before the ReLU (dense -> BN -> ReLU, Ioffe " +
                "and Szegedy 2015) or after it (dense -> ReLU -> BN, as in many Keras examples).",
            DefaultValueFactory = _ => "before",
        };
        placement.AcceptOnlyFromAmong("before", "after");
        var batchNormMomentum = new Option<float>("--batch-norm-momentum")
        {
            Description = "Momentum of the batch-norm running statistics, PyTorch's convention (the weight of each new " +
                "mini-batch; Keras' momentum 0.99 is 0.01 here).",
            HelpName = "M",
            DefaultValueFactory = _ => 0.1f,
            CustomParser = r => ParseNumber<float>(r, "--batch-norm-momentum", v => v >= 0 && v <= 1, "a number in [0, 1]"),
        };
        var optimizer = new Option<string>("--optimizer") { Description = "adam or sgd (with momentum 0.9).", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("adam", "sgd");
        var output = new Option<string>("--output")
        {
            Description = "Model file to write (default ./models/fashion-mnist-mlp.zip or ./models/digits-mlp.zip).",
            HelpName = "FILE",
        };
        output.AcceptLegalFilePathsOnly();
        output.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path && Directory.Exists(path))
                r.AddError($"--output must name a file; '{path}' is a directory.");
        });
        var seed = SeedOption();
        var validationFraction = new Option<double>("--validation-fraction")
        {
            Description = "Fraction of the training rows held out to report validation figures per epoch (the validation " +
                "curves); 0 trains on every training row.",
            HelpName = "FRACTION",
            DefaultValueFactory = _ => DefaultValidationFraction,
            CustomParser = r => ParseNumber<double>(r, "--validation-fraction", v => v >= 0 && v < 1, "a number in [0, 1)"),
        };
        var earlyStopping = new Option<int>("--early-stopping")
        {
            Description = "Stop after this many epochs without a lower validation loss and keep the best epoch's model; 0: off.",
            HelpName = "EPOCHS",
            DefaultValueFactory = _ => 0,
            CustomParser = r => ParseNumber<int>(r, "--early-stopping", v => v >= 0, "an integer of at least 0"),
        };

        var root = new RootCommand(
            "Trains ML.NET's batch-normalized MultilayerPerceptron (Microsoft.ML.BatchNorm) on Fashion-MNIST or the " +
            "embedded digits, draws its learning curves, evaluates it, saves it with SaveWithNetworks and checks the " +
            "reloaded model. 'compare' trains it with and without batch normalization.")
        {
            dataset, data, epochs, batchSize, hidden, learningRate, noBatchNorm, placement, optimizer, output, seed, validationFraction,
            earlyStopping, batchNormMomentum,
        };
        root.Validators.Add(r => CheckDatasetAndData(r, dataset, data));
        root.Validators.Add(r =>
        {
            if (r.GetValue(earlyStopping) > 0 && r.GetValue(validationFraction) == 0)
                r.AddError("--early-stopping watches the validation loss: it needs --validation-fraction above 0.");
        });
        root.Validators.Add(r =>
        {
            if (r.GetValue(noBatchNorm) && r.GetResult(placement) is { Implicit: false })
                r.AddError("--bn-placement places batch normalization: it cannot go with --no-batch-norm.");
        });
        root.Subcommands.Add(CompareCommand.Create(console));

        root.SetAction(parseResult =>
        {
            bool sgd = parseResult.GetValue(optimizer) == "sgd";
            var settings = new SampleSettings(
                Dataset: ToDatasetChoice(parseResult.GetValue(dataset)),
                DataDirectory: parseResult.GetValue(data)?.FullName,
                Epochs: parseResult.GetValue(epochs),
                BatchSize: parseResult.GetValue(batchSize),
                HiddenSizes: TryParseHiddenSizes(parseResult.GetValue(hidden), out int[] sizes, out _) ? sizes : DefaultHidden,
                LearningRate: parseResult.GetValue(learningRate) ?? (sgd ? DefaultSgdLearningRate : DefaultAdamLearningRate),
                UseBatchNormalization: !parseResult.GetValue(noBatchNorm),
                Optimizer: sgd ? MultilayerPerceptronOptimizer.SgdMomentum : MultilayerPerceptronOptimizer.Adam,
                OutputPath: parseResult.GetValue(output),
                Seed: parseResult.GetValue(seed),
                ValidationFraction: parseResult.GetValue(validationFraction),
                EarlyStoppingPatience: parseResult.GetValue(earlyStopping),
                BatchNormPlacement: parseResult.GetValue(placement) == "after"
                    ? MultilayerPerceptronBatchNormalizationPlacement.AfterActivation
                    : MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation,
                BatchNormalizationMomentum: parseResult.GetValue(batchNormMomentum));
            return Execute(console, settings);
        });

        var parsed = root.Parse(args);
        // Parse errors are reported here rather than by System.CommandLine, whose exit code for them is 1.
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run with --help to see the options.");
            return ExitCodes.BadArguments;
        }
        return parsed.Invoke();
    }

    /// <summary>The default of --validation-fraction: enough rows for smooth validation curves (6000 of Fashion-MNIST's 60000).</summary>
    public const double DefaultValidationFraction = 0.1;

    /// <summary>--dataset, shared with <c>compare</c>.</summary>
    internal static Option<string> DatasetOption()
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "auto: Fashion-MNIST if --data is given or it is installed, else the embedded digits; digits; fashion-mnist.",
            DefaultValueFactory = _ => "auto",
        };
        dataset.AcceptOnlyFromAmong("auto", "digits", "fashion-mnist");
        return dataset;
    }

    /// <summary>--data, shared with <c>compare</c>.</summary>
    internal static Option<DirectoryInfo> DataOption()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = $"Directory holding Fashion-MNIST's four .gz IDX files (default {FashionMnistDataset.DefaultDirectory}).",
            HelpName = "DIR",
        };
        data.AcceptExistingOnly();
        return data;
    }

    /// <summary>--seed, shared with <c>compare</c>.</summary>
    internal static Option<int> SeedOption() => new("--seed")
    {
        Description = "Seed of the split, the initialization and the shuffles.",
        DefaultValueFactory = _ => 1,
        CustomParser = r => ParseNumber<int>(r, "--seed", _ => true, "an integer"),
    };

    /// <summary>--dataset digits with --data is a contradiction.</summary>
    internal static void CheckDatasetAndData(CommandResult result, Option<string> dataset, Option<DirectoryInfo> data)
    {
        if (result.GetValue(dataset) == "digits" && result.GetValue(data) is not null)
            result.AddError("--data is Fashion-MNIST's directory; it cannot be used with --dataset digits.");
    }

    /// <summary>The --dataset value as a <see cref="DatasetChoice"/>.</summary>
    internal static DatasetChoice ToDatasetChoice(string? value) => value switch
    {
        "digits" => DatasetChoice.Digits,
        "fashion-mnist" => DatasetChoice.FashionMnist,
        _ => DatasetChoice.Auto,
    };

    /// <summary>
    /// Runs the work of a command and turns its expected failures (a missing or corrupted data file, an I/O error, a
    /// diverged training) into one line on standard error and exit code 1; <paramref name="divergenceHint"/> is appended
    /// to a divergence's message (what to change on the command line).
    /// </summary>
    internal static int RunReportingFailures(Func<int> work, string divergenceHint)
    {
        try
        {
            return work();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("diverged", StringComparison.OrdinalIgnoreCase))
        {
            // The trainer's message names the epoch and the mini-batch and says what to change.
            Console.Error.WriteLine($"error: {e.Message} {divergenceHint}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                    or InvalidOperationException or NotSupportedException)
        {
            // Expected failures (missing or corrupted files): the message says it all.
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }

    private static int Execute(IAnsiConsole console, SampleSettings settings)
    {
        // With early stopping on, the trainer acts on a stalled validation loss itself: no hint.
        var progress = new EpochProgressPrinter(console, settings.EarlyStoppingPatience == 0
            ? new NoImprovementHint(settings.LearningRate, settings.UseBatchNormalization)
            : null);
        var bar = new TrainingProgressBar(settings.Epochs);
        var run = new TrainingRun(console, settings);
        MultilayerPerceptronTrainer.Options trainerOptions;
        try
        {
            trainerOptions = run.CreateTrainerOptions(progress, bar);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: invalid training options: {e.Message}");
            return ExitCodes.BadArguments;
        }

        string hint = string.Create(CultureInfo.InvariantCulture, $"(This run: --learning-rate {settings.LearningRate:G4}") +
            (settings.UseBatchNormalization ? ".)" : ", --no-batch-norm: leave it out to train with batch normalization.)");
        return RunReportingFailures(() => run.Execute(trainerOptions, progress, bar), hint);
    }

    // System.CommandLine's own conversion errors ("Cannot parse argument") are terse, and its validators cannot read
    // a value that failed to convert: options parse their token here and report one clear message.
    internal static T ParseNumber<T>(ArgumentResult result, string name, Func<T, bool> isValid, string requirement)
        where T : struct, INumber<T>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        var style = typeof(T) == typeof(int) ? NumberStyles.Integer : NumberStyles.Float;
        if (T.TryParse(text, style, CultureInfo.InvariantCulture, out T value) && isValid(value))
            return value;
        result.AddError($"{name} must be {requirement}; got '{text}'.");
        return default;
    }

    private static bool TryParseHiddenSizes(string? text, out int[] sizes, [NotNullWhen(false)] out string? error)
    {
        sizes = [];
        error = null;
        text = text?.Trim() ?? "";
        if (text.Length == 0 || text.Equals("none", StringComparison.OrdinalIgnoreCase))
            return true;
        var parsed = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
            {
                error = $"--hidden: '{part.Trim()}' is not a positive layer width; write the widths as e.g. 256,128 (or none).";
                return false;
            }
            parsed.Add(size);
        }
        sizes = parsed.ToArray();
        return true;
    }
}
