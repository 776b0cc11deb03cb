namespace Microsoft.ML.Trainers;

/// <summary>
/// What a network's outputs mean: the task it was trained for and, per task, what the label looked like (the
/// multiclass label's key values, the regression label's standardization). Kept with the model parameters so that
/// fine-tuning (<c>Fit(trainData, modelParameters)</c>) can refuse a network of another task, or data whose classes
/// are numbered differently, and keep the regression outputs in the units they were trained in.
/// </summary>
internal sealed class TrainedLabel
{
    private TrainedLabel(string task, (string ItemType, string[] Values)? keyValues, float mean, float standardDeviation)
    {
        Task = task;
        KeyValues = keyValues;
        Mean = mean;
        StandardDeviation = standardDeviation;
    }

    /// <summary>The binary classifier's label (no further information).</summary>
    public static TrainedLabel Binary { get; } = new("binary classification", null, 0f, 1f);

    /// <summary>A multiclass label with the given key values (as written to the model file), or none.</summary>
    public static TrainedLabel Multiclass((string ItemType, string[] Values)? keyValues) =>
        new("multiclass classification", keyValues, 0f, 1f);

    /// <summary>
    /// A multiclass label with the key values of a label column; none when it has none, or when they are of a type the
    /// model file does not hold (they then cannot be compared either).
    /// </summary>
    public static TrainedLabel Multiclass(LabelKeyValues keyValues)
    {
        try
        {
            return Multiclass(keyValues.ToPortable());
        }
        catch (NotSupportedException)
        {
            return Multiclass(((string, string[])?)null);
        }
    }

    /// <summary>A regression label standardized as (label - mean) / standardDeviation.</summary>
    public static TrainedLabel Regression(float mean, float standardDeviation) =>
        new("regression", null, mean, standardDeviation);

    /// <summary>"multiclass classification", "binary classification" or "regression".</summary>
    public string Task { get; }

    /// <summary>Multiclass: the label's key values as invariant strings, or null when the label had none.</summary>
    public (string ItemType, string[] Values)? KeyValues { get; }

    /// <summary>Regression: the mean subtracted from the label (0 otherwise).</summary>
    public float Mean { get; }

    /// <summary>Regression: the standard deviation the label was divided by (1 otherwise).</summary>
    public float StandardDeviation { get; }
}
