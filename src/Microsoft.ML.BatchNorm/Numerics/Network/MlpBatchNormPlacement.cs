namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>Where batch normalization sits in a hidden layer of an <see cref="MlpNetwork"/>.</summary>
internal enum MlpBatchNormPlacement
{
    /// <summary>
    /// Dense (no bias) -> batch norm -> ReLU: Ioffe and Szegedy (2015), section 3.2, normalize the linear layer's
    /// output x = Wu + b before the nonlinearity (and drop b, which beta replaces).
    /// </summary>
    BeforeActivation,

    /// <summary>
    /// Dense (with bias) -> ReLU -> batch norm: normalization of the activation, as Keras examples often place a
    /// <c>BatchNormalization</c> layer after <c>Dense(activation="relu")</c>. The dense bias stays: the ReLU between
    /// it and the normalization makes it matter.
    /// </summary>
    AfterActivation,
}
