using System.Globalization;
using System.IO.Compression;

namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// The UCI Optical Recognition of Handwritten Digits data (test part, as shipped by scikit-learn; CC BY 4.0):
/// 1797 images of 8 x 8 pixel counts (0..16) of the digits 0..9, embedded in this assembly as <c>digits.csv.gz</c>
/// (gzip CSV, no header, 64 counts then the digit).
/// </summary>
public static class DigitsDataset
{
    /// <summary>Name of the embedded resource.</summary>
    public const string ResourceName = "digits.csv.gz";

    /// <summary>Features per row: 8 x 8 pixels.</summary>
    public const int FeatureCount = 64;

    /// <summary>Rows in the embedded file.</summary>
    public const int RowCount = 1797;

    /// <summary>Largest pixel count; features are divided by it.</summary>
    public const float MaximumCount = 16f;

    /// <summary>The class names "0" to "9" (label i is the digit i).</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Loads the embedded dataset, features divided by 16 (so in [0, 1]).</summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly (a build problem).</exception>
    /// <exception cref="InvalidDataException">The resource is corrupted.</exception>
    public static LabeledDataset Load()
    {
        using var resource = typeof(DigitsDataset).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(DigitsDataset).Assembly.GetName().Name}.");
        return Load(resource, ResourceName);
    }

    /// <summary>Loads digits data in the same layout (gzip CSV, 64 counts then the digit) from a stream.</summary>
    /// <param name="compressed">The gzip data; not disposed.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The data is not gzip or not valid digits CSV (the message names the line).</exception>
    public static LabeledDataset Load(Stream compressed, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(sourceName);
        try
        {
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            using var text = new StreamReader(gzip);
            return LabeledCsvReader.ReadWithoutHeader(text, sourceName, FeatureCount, ClassNames, 1f / MaximumCount);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(sourceName, StringComparison.Ordinal))
        {
            // GZipStream's own errors do not say which source they are about.
            throw new InvalidDataException($"'{sourceName}' is not valid gzip data: {e.Message}", e);
        }
    }
}
