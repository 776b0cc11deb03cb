namespace Microsoft.ML.Trainers;

/// <summary>
/// Where batch normalization sits in each hidden layer of a MultilayerPerceptron network (ignored without batch
/// normalization). The default is <see cref="BeforeActivation"/>.
/// </summary>
public enum MultilayerPerceptronBatchNormalizationPlacement
{
    /// <summary>
    /// dense (no bias) -> batch normalization -> ReLU, as Ioffe and Szegedy (2015, arXiv:1502.03167), section 3.2,
    /// place it: the nonlinearity's input <c>x = Wu + b</c> is normalized, and the bias b is dropped because beta
    /// takes its role. The default. For inference the normalization is folded into the layer's own dense weights and
    /// bias (exact in real arithmetic).
    /// </summary>
    BeforeActivation,

    /// <summary>
    /// dense (with bias) -> ReLU -> batch normalization: the activation is normalized, the order of a Keras
    /// <c>Dense(units, activation="relu")</c> followed by <c>BatchNormalization()</c>, common in Keras examples. The
    /// dense bias is kept (the ReLU between it and the normalization makes it matter); the running statistics and
    /// <see cref="MultilayerPerceptronInferenceStatistics.Population"/> describe the ReLU's output. For inference the
    /// normalization cannot be folded into its own dense layer (the ReLU is in between), so it is folded into the next
    /// layer's weights and bias instead (columns scaled, the shift added to the bias): exact in real arithmetic as
    /// well, and within float rounding of the unfolded layer.
    /// </summary>
    AfterActivation,
}
