using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Samples.GettingStarted;

/// <summary>One wine: 13 chemical measurements and its cultivar (0, 1 or 2).</summary>
public sealed class WineRow
{
    /// <summary>Alcohol, malic acid, ash, ..., proline: raw values of very different magnitudes (0.1 to 1680).</summary>
    [VectorType(WineData.FeatureCount)]
    public float[] Features { get; set; } = [];

    /// <summary>The cultivar.</summary>
    public uint Label { get; set; }
}
