namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>The validated command line of <c>compare</c>.</summary>
/// <param name="Dataset">The dataset choice.</param>
/// <param name="DataDirectory">Fashion-MNIST's directory from --data, or null for the installed one.</param>
/// <param name="Epochs">Epochs per run from --epochs, or null for the dataset's default.</param>
/// <param name="Seed">Seed of the split, the initialization and the shuffles (the same for every run).</param>
/// <param name="OutputPath">The chart's PNG file from --output, or null for the default under ./models.</param>
internal sealed record ComparisonSettings(DatasetChoice Dataset, string? DataDirectory, int? Epochs, int Seed, string? OutputPath);
