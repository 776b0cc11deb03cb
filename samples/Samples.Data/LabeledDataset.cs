namespace Microsoft.ML.BatchNorm.Samples.Data;

/// <summary>
/// A dense classification dataset held in memory: <see cref="Count"/> rows of <see cref="FeatureCount"/> features,
/// row-major (row i is <c>Features[i * FeatureCount .. (i + 1) * FeatureCount)</c>), and one class index per row.
/// </summary>
public sealed class LabeledDataset
{
    /// <summary>Wraps the arrays (not copied) after checking that they agree.</summary>
    /// <param name="features">Row-major features, <c>labels.Length * featureCount</c> finite values.</param>
    /// <param name="labels">Class index per row, each in <c>[0, classNames.Count)</c>.</param>
    /// <param name="featureCount">Features per row, at least 1.</param>
    /// <param name="classNames">Name of each class, at least 2.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> is below 1, fewer than 2
    /// classes are named, or a label is outside the class range.</exception>
    /// <exception cref="ArgumentException">The feature array's length is not rows x features, or holds NaN or an infinity.</exception>
    public LabeledDataset(float[] features, int[] labels, int featureCount, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (classNames.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "A classification dataset needs at least 2 classes.");
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException(
                $"{labels.Length} rows of {featureCount} features need {(long)labels.Length * featureCount} values; got {features.Length}.",
                nameof(features));
        int badFeature = Array.FindIndex(features, v => !float.IsFinite(v));
        if (badFeature >= 0)
            throw new ArgumentException(
                $"Row {badFeature / featureCount}, feature {badFeature % featureCount} is {features[badFeature]}; features must be finite.",
                nameof(features));
        int badLabel = Array.FindIndex(labels, l => l < 0 || l >= classNames.Count);
        if (badLabel >= 0)
            throw new ArgumentOutOfRangeException(nameof(labels), labels[badLabel],
                $"Row {badLabel} has label {labels[badLabel]}; labels must be in [0, {classNames.Count}).");

        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassNames = classNames;
    }

    /// <summary>Row-major features, <see cref="Count"/> x <see cref="FeatureCount"/>; shared, not a copy.</summary>
    public float[] Features { get; }

    /// <summary>Class index of each row, in <c>[0, ClassCount)</c>; shared, not a copy.</summary>
    public int[] Labels { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Name of each class; class i is named <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The features of one row.</summary>
    /// <param name="row">Row index in <c>[0, Count)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is out of range.</exception>
    public ReadOnlySpan<float> GetRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return Features.AsSpan(row * FeatureCount, FeatureCount);
    }
}
