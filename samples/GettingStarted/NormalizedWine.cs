using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Samples.GettingStarted;

/// <summary>The output column of the BatchNormalize-only pipeline.</summary>
public sealed class NormalizedWine
{
    /// <summary>gamma * (x - mean) / sqrt(var + epsilon) + beta, per feature.</summary>
    [VectorType(WineData.FeatureCount)]
    public float[] Normalized { get; set; } = [];
}
