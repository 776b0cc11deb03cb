namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>Held-out rows evaluated (in inference mode) after each training epoch.</summary>
internal sealed class MlpValidationData
{
    /// <summary>Wraps the arrays (not copied).</summary>
    /// <param name="features">RowCount x featureCount, row-major, finite; featureCount is the training data's.</param>
    /// <param name="labels">RowCount labels in 0..classCount-1.</param>
    /// <param name="rowCount">Rows (&gt;= 1).</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The labels array is shorter than <paramref name="rowCount"/>.</exception>
    public MlpValidationData(float[] features, int[] labels, int rowCount)
        : this(features, labels, [], rowCount)
    {
    }

    /// <summary>Wraps the arrays (not copied): class labels for classification, targets for regression (the other may be empty).</summary>
    /// <param name="features">RowCount x featureCount, row-major, finite; featureCount is the training data's.</param>
    /// <param name="labels">RowCount class labels (classification losses), or empty.</param>
    /// <param name="targets">RowCount x outputs regression targets (regression losses), or empty.</param>
    /// <param name="rowCount">Rows (&gt;= 1).</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">Neither the labels nor the targets have <paramref name="rowCount"/> elements.</exception>
    public MlpValidationData(float[] features, int[] labels, float[] targets, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(targets);
        Targets = targets;
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        if (labels.Length < rowCount && targets.Length < rowCount)
            throw new ArgumentException($"The validation labels have {labels.Length} elements for {rowCount} rows.", nameof(labels));
        Features = features;
        Labels = labels;
        RowCount = rowCount;
    }

    /// <summary>Features, row-major.</summary>
    public float[] Features { get; }

    /// <summary>Class labels, one per row (empty for regression).</summary>
    public int[] Labels { get; }

    /// <summary>Regression targets, row-major (empty for classification).</summary>
    public float[] Targets { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }
}
