namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>What the pipeline predicts for one image.</summary>
public sealed class ImagePrediction
{
    /// <summary>The predicted class index (0..9), mapped back from the key by <c>MapKeyToValue</c>.</summary>
    public uint PredictedClass { get; set; }

    /// <summary>Probability of each class, in key order (class index order here).</summary>
    public float[] Score { get; set; } = [];
}
