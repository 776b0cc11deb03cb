using Microsoft.ML.BatchNorm.Samples.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// Fashion-MNIST as the PyTorch script uses it (pixels / 255, 60000 training and 10000 test rows of 784), read once
/// per process with the samples' IDX reader and shared by the MLP, prediction and ML.NET figures.
/// </summary>
internal static class FashionMnistData
{
    /// <summary>Pixels per image, 28 x 28.</summary>
    public const int FeatureCount = 784;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Where the PyTorch script reads the dataset (Debian's dataset-fashion-mnist).</summary>
    public static string Directory => FashionMnistDataset.DefaultDirectory;

    private static readonly Lazy<LabeledDataset> s_train = new(() => Load(FashionMnistDataset.TrainPart));
    private static readonly Lazy<LabeledDataset> s_test = new(() => Load(FashionMnistDataset.TestPart));
    private static readonly Lazy<FashionMnistRow[]> s_trainRows = new(() => ToRows(Train));

    /// <summary>The dataset files missing from <see cref="Directory"/>; empty when the figures can run.</summary>
    public static IReadOnlyList<string> MissingFiles => FashionMnistDataset.FindMissingFiles(Directory);

    /// <summary>The 60000 training rows.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupted, or the images are not 28 x 28.</exception>
    public static LabeledDataset Train => s_train.Value;

    /// <summary>The 10000 test rows; same exceptions as <see cref="Train"/>.</summary>
    public static LabeledDataset Test => s_test.Value;

    /// <summary>The training rows as ML.NET row objects (for <c>LoadFromEnumerable</c>); same exceptions as <see cref="Train"/>.</summary>
    public static FashionMnistRow[] TrainRows => s_trainRows.Value;

    /// <summary>Row <paramref name="index"/> of <paramref name="dataset"/> as an ML.NET row object (features copied).</summary>
    public static FashionMnistRow ToRow(LabeledDataset dataset, int index) =>
        new() { Features = dataset.GetRow(index).ToArray(), Label = (uint)dataset.Labels[index] };

    private static FashionMnistRow[] ToRows(LabeledDataset dataset)
    {
        var rows = new FashionMnistRow[dataset.Count];
        for (int i = 0; i < rows.Length; i++) rows[i] = ToRow(dataset, i);
        return rows;
    }

    private static LabeledDataset Load(string part)
    {
        LabeledDataset dataset = FashionMnistDataset.Load(Directory, part);
        // The figures are defined for 784 features (the MLP's input layer, the row class's vector size).
        if (dataset.FeatureCount != FeatureCount || dataset.ClassCount != ClassCount)
            throw new InvalidDataException(
                $"Fashion-MNIST's '{part}' part in '{Directory}' has {dataset.FeatureCount} pixels and {dataset.ClassCount} classes per image; expected {FeatureCount} and {ClassCount}.");
        return dataset;
    }
}
