using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Trainers;
using Spectre.Console;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>The command line (System.CommandLine): options, their validation, and the exit codes.</summary>
internal static class SampleCommand
{
    private static readonly int[] DefaultHidden = [256, 128];
    private const float DefaultAdamLearningRate = 1e-3f;
    private const float DefaultSgdLearningRate = 0.05f;

    /// <summary>Parses <paramref name="args"/>, runs the sample and returns the exit code (2 for a bad command line).</summary>
    public static int Run(string[] args, IAnsiConsole console)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "auto: Fashion-MNIST if --data is given or it is installed, else the embedded digits; digits; fashion-mnist.",
            DefaultValueFactory = _ => "auto",
        };
        dataset.AcceptOnlyFromAmong("auto", "digits", "fashion-mnist");
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = $"Directory holding Fashion-MNIST's four .gz IDX files (default {FashionMnistDataset.DefaultDirectory}).",
            HelpName = "DIR",
        };
        data.AcceptExistingOnly();
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
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the split, the initialization and the shuffles.",
            DefaultValueFactory = _ => 1,
            CustomParser = r => ParseNumber<int>(r, "--seed", _ => true, "an integer"),
        };
        var validationFraction = new Option<double>("--validation-fraction")
        {
            Description = "Fraction of the training rows held out to report validation figures per epoch. Default 0: " +
                "train on every training row, as the reference accuracy figures do.",
            HelpName = "FRACTION",
            DefaultValueFactory = _ => 0,
            CustomParser = r => ParseNumber<double>(r, "--validation-fraction", v => v >= 0 && v < 1, "a number in [0, 1)"),
        };

        var root = new RootCommand(
            "Trains ML.NET's batch-normalized MultilayerPerceptron (Microsoft.ML.BatchNorm) on Fashion-MNIST or the " +
            "embedded digits, evaluates it, saves it with SaveWithNetworks and checks the reloaded model.")
        {
            dataset, data, epochs, batchSize, hidden, learningRate, noBatchNorm, optimizer, output, seed, validationFraction,
        };
        root.Validators.Add(r =>
        {
            if (r.GetValue(dataset) == "digits" && r.GetValue(data) is not null)
                r.AddError("--data is Fashion-MNIST's directory; it cannot be used with --dataset digits.");
        });

        root.SetAction(parseResult =>
        {
            bool sgd = parseResult.GetValue(optimizer) == "sgd";
            var settings = new SampleSettings(
                Dataset: parseResult.GetValue(dataset) switch
                {
                    "digits" => DatasetChoice.Digits,
                    "fashion-mnist" => DatasetChoice.FashionMnist,
                    _ => DatasetChoice.Auto,
                },
                DataDirectory: parseResult.GetValue(data)?.FullName,
                Epochs: parseResult.GetValue(epochs),
                BatchSize: parseResult.GetValue(batchSize),
                HiddenSizes: TryParseHiddenSizes(parseResult.GetValue(hidden), out int[] sizes, out _) ? sizes : DefaultHidden,
                LearningRate: parseResult.GetValue(learningRate) ?? (sgd ? DefaultSgdLearningRate : DefaultAdamLearningRate),
                UseBatchNormalization: !parseResult.GetValue(noBatchNorm),
                Optimizer: sgd ? MultilayerPerceptronOptimizer.SgdMomentum : MultilayerPerceptronOptimizer.Adam,
                OutputPath: parseResult.GetValue(output),
                Seed: parseResult.GetValue(seed),
                ValidationFraction: parseResult.GetValue(validationFraction));
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

    private static int Execute(IAnsiConsole console, SampleSettings settings)
    {
        var progress = new EpochProgressPrinter(console);
        var run = new TrainingRun(console, settings);
        MultilayerPerceptronTrainer.Options trainerOptions;
        try
        {
            trainerOptions = run.CreateTrainerOptions(progress);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: invalid training options: {e.Message}");
            return ExitCodes.BadArguments;
        }

        try
        {
            return run.Execute(trainerOptions, progress);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                    or InvalidOperationException or NotSupportedException)
        {
            // Expected failures (missing or corrupted files, a diverged training): the message says it all.
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }

    // System.CommandLine's own conversion errors ("Cannot parse argument") are terse, and its validators cannot read
    // a value that failed to convert: options parse their token here and report one clear message.
    private static T ParseNumber<T>(ArgumentResult result, string name, Func<T, bool> isValid, string requirement)
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
