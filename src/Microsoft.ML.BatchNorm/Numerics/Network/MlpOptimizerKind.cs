namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>The optimizer that <see cref="MlpTrainer"/> applies after each mini-batch.</summary>
internal enum MlpOptimizerKind
{
    /// <summary>Adam (Kingma and Ba 2015, Algorithm 1), bias-corrected first and second moments.</summary>
    Adam,

    /// <summary>Stochastic gradient descent with classical momentum: v = mu * v + g; w -= lr * v.</summary>
    SgdMomentum,
}
