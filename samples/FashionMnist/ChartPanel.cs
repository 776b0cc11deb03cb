namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>One panel of a chart: lines over the epochs.</summary>
/// <param name="Title">The panel's title.</param>
/// <param name="YLabel">What the vertical axis shows.</param>
/// <param name="Lines">The lines, drawn in order, each in the next colour of the palette.</param>
internal sealed record ChartPanel(string Title, string YLabel, IReadOnlyList<ChartLine> Lines);
