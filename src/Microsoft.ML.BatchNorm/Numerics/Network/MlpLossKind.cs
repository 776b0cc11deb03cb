namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>The loss an <see cref="MlpNetwork"/> is trained on; it fixes what the output layer's values mean.</summary>
internal enum MlpLossKind
{
    /// <summary>Multiclass: k logits, softmax cross-entropy against class indices 0..k-1 (<see cref="SoftmaxCrossEntropy"/>).</summary>
    SoftmaxCrossEntropy,

    /// <summary>Binary: one logit, sigmoid (binary) cross-entropy against labels 0 or 1 (<see cref="SigmoidCrossEntropy"/>).</summary>
    SigmoidCrossEntropy,

    /// <summary>Regression: k outputs, mean squared error against real targets (<see cref="SquaredError"/>).</summary>
    SquaredError,

    /// <summary>Regression: k outputs, Huber loss with threshold delta against real targets (<see cref="HuberLoss"/>).</summary>
    Huber,
}
