namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>One line of a chart panel: a value per epoch.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Values">The value at epoch i + 1 at index i; NaN where there is none (the line stops there).</param>
internal sealed record ChartLine(string Label, double[] Values);
