using Microsoft.ML.BatchNorm.Samples.Data;

namespace Microsoft.ML.BatchNorm.Samples.GettingStarted;

/// <summary>UCI Wine (as shipped by scikit-learn), embedded in this assembly as wine_data.csv.</summary>
public static class WineData
{
    /// <summary>Measurements per wine.</summary>
    public const int FeatureCount = 13;

    /// <summary>Names of the 13 measurements, in column order.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
        "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315", "proline",
    ];

    /// <summary>Reads the embedded file (header line, then 13 features and the class per line).</summary>
    /// <exception cref="InvalidOperationException">The resource is missing (a build problem).</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not have 13 features.</exception>
    public static LabeledDataset Load()
    {
        using var stream = typeof(WineData).Assembly.GetManifestResourceStream("wine_data.csv")
            ?? throw new InvalidOperationException("The embedded resource 'wine_data.csv' is missing.");
        using var reader = new StreamReader(stream);
        var wine = LabeledCsvReader.ReadWithHeader(reader, "wine_data.csv");
        if (wine.FeatureCount != FeatureCount)
            throw new InvalidDataException($"'wine_data.csv' has {wine.FeatureCount} features; expected {FeatureCount}.");
        return wine;
    }

    /// <summary>The rows as ML.NET objects.</summary>
    public static WineRow[] ToRows(LabeledDataset wine)
        => Enumerable.Range(0, wine.Count)
            .Select(i => new WineRow { Features = wine.GetRow(i).ToArray(), Label = (uint)wine.Labels[i] })
            .ToArray();
}
