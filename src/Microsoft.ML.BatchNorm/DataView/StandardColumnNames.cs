namespace Microsoft.ML.BatchNorm.DataView;

/// <summary>ML.NET's conventional column names (its own DefaultColumnNames class is internal).</summary>
internal static class StandardColumnNames
{
    public const string Label = "Label";
    public const string Features = "Features";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
    public const string Probability = "Probability";
}
