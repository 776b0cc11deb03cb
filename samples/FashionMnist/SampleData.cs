using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>The chosen dataset, loaded as ML.NET training and test data.</summary>
internal sealed class SampleData
{
    /// <summary>Display name: "Fashion-MNIST" or "digits".</summary>
    public required string Name { get; init; }

    /// <summary>Where the data came from (directory or embedded resource).</summary>
    public required string Source { get; init; }

    /// <summary>Default model file name.</summary>
    public required string ModelFileName { get; init; }

    /// <summary>Class names in label order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Features per image.</summary>
    public required int FeatureCount { get; init; }

    /// <summary>Declares <see cref="ImageRow.Features"/> as a vector of <see cref="FeatureCount"/> floats.</summary>
    public required SchemaDefinition SchemaDefinition { get; init; }

    /// <summary>Training rows.</summary>
    public required IDataView Train { get; init; }

    /// <summary>Held-out test rows.</summary>
    public required IDataView Test { get; init; }

    /// <summary>Number of training rows.</summary>
    public required long TrainCount { get; init; }

    /// <summary>Number of test rows.</summary>
    public required long TestCount { get; init; }

    /// <summary>Fraction of the digits held out for testing (Fashion-MNIST comes with its own test part).</summary>
    public const double DigitsTestFraction = 0.2;

    /// <summary>The schema of <see cref="ImageRow"/> with a feature vector of known size.</summary>
    public static SchemaDefinition CreateSchemaDefinition(int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return definition;
    }

    /// <summary>Picks the dataset as the command line says and loads it.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="dataset">The choice from --dataset.</param>
    /// <param name="dataDirectory">Fashion-MNIST's directory from --data, or null for the installed one.</param>
    /// <param name="seed">Seed of the digits' train/test split.</param>
    /// <param name="note">Receives a remark about the choice made, if any.</param>
    /// <exception cref="FileNotFoundException">Fashion-MNIST was asked for but its files are missing (the message lists them).</exception>
    /// <exception cref="InvalidDataException">A data file is corrupted (the message names it).</exception>
    public static SampleData Load(MLContext mlContext, DatasetChoice dataset, string? dataDirectory, int seed, Action<string> note)
    {
        string directory = dataDirectory ?? FashionMnistDataset.DefaultDirectory;
        bool useFashion = dataset switch
        {
            DatasetChoice.FashionMnist => true,
            DatasetChoice.Digits => false,
            _ => dataDirectory is not null || FashionMnistDataset.FindMissingFiles(directory).Count == 0,
        };
        if (dataset == DatasetChoice.Auto && !useFashion)
            note($"Fashion-MNIST is not installed at {directory} (Debian package dataset-fashion-mnist, or --data DIR): using the embedded digits.");
        return useFashion ? LoadFashionMnist(mlContext, directory) : LoadDigits(mlContext, seed);
    }

    private static SampleData LoadFashionMnist(MLContext mlContext, string directory)
    {
        var missing = FashionMnistDataset.FindMissingFiles(directory);
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"Fashion-MNIST is incomplete in '{directory}': missing {string.Join(", ", missing.Select(Path.GetFileName))}. " +
                "Install the Debian package dataset-fashion-mnist, or pass --data DIR with the four .gz files.", missing[0]);
        var train = FashionMnistDataset.Load(directory, FashionMnistDataset.TrainPart);
        var test = FashionMnistDataset.Load(directory, FashionMnistDataset.TestPart);
        if (train.FeatureCount != test.FeatureCount)
            throw new InvalidDataException(
                $"'{directory}': training images have {train.FeatureCount} pixels but test images have {test.FeatureCount}.");
        var definition = CreateSchemaDefinition(train.FeatureCount);
        return new SampleData
        {
            Name = "Fashion-MNIST",
            Source = Path.GetFullPath(directory),
            ModelFileName = "fashion-mnist-mlp.zip",
            ClassNames = FashionMnistDataset.ClassNames,
            FeatureCount = train.FeatureCount,
            SchemaDefinition = definition,
            Train = mlContext.Data.LoadFromEnumerable(ToRows(train), definition),
            Test = mlContext.Data.LoadFromEnumerable(ToRows(test), definition),
            TrainCount = train.Count,
            TestCount = test.Count,
        };
    }

    private static SampleData LoadDigits(MLContext mlContext, int seed)
    {
        var digits = DigitsDataset.Load();
        var definition = CreateSchemaDefinition(digits.FeatureCount);
        var all = mlContext.Data.LoadFromEnumerable(ToRows(digits), definition);
        var split = mlContext.Data.TrainTestSplit(all, testFraction: DigitsTestFraction, seed: seed);
        return new SampleData
        {
            Name = "digits",
            Source = $"embedded resource {DigitsDataset.ResourceName}, UCI Optical Recognition of Handwritten Digits",
            ModelFileName = "digits-mlp.zip",
            ClassNames = digits.ClassNames,
            FeatureCount = digits.FeatureCount,
            SchemaDefinition = definition,
            Train = split.TrainSet,
            Test = split.TestSet,
            TrainCount = CountRows(split.TrainSet),
            TestCount = CountRows(split.TestSet),
        };
    }

    private static ImageRow[] ToRows(LabeledDataset dataset)
    {
        var rows = new ImageRow[dataset.Count];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = new ImageRow { Features = dataset.GetRow(i).ToArray(), Label = (uint)dataset.Labels[i] };
        return rows;
    }

    // A split view does not know its row count up front; a cursor with no active column counts it cheaply.
    private static long CountRows(IDataView data)
    {
        if (data.GetRowCount() is { } known)
            return known;
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
            count++;
        return count;
    }
}
