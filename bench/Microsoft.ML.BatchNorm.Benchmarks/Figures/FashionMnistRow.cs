using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>One Fashion-MNIST image as ML.NET reads it in the ML.NET-level figures.</summary>
public sealed class FashionMnistRow
{
    /// <summary>The 784 pixels divided by 255, row-major.</summary>
    [VectorType(FashionMnistData.FeatureCount)]
    public float[] Features { get; set; } = [];

    /// <summary>The class index, 0..9.</summary>
    public uint Label { get; set; }
}

/// <summary>What the prediction engine of <see cref="PredictionEngineFigure"/> returns for one image.</summary>
public sealed class FashionMnistPrediction
{
    /// <summary>The predicted class index (the predicted key mapped back to its value).</summary>
    public uint PredictedClass { get; set; }

    /// <summary>Probability of each class.</summary>
    public float[] Score { get; set; } = [];
}
