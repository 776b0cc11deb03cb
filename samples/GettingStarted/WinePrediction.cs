namespace Microsoft.ML.BatchNorm.Samples.GettingStarted;

/// <summary>What the trained pipeline says about one wine.</summary>
public sealed class WinePrediction
{
    /// <summary>The predicted cultivar (the key mapped back to the label's value).</summary>
    public uint PredictedClass { get; set; }

    /// <summary>The probability of each class.</summary>
    public float[] Score { get; set; } = [];
}
