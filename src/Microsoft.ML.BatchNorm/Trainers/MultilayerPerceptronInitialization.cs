namespace Microsoft.ML.Trainers;

/// <summary>How a MultilayerPerceptron trainer draws the dense weights and biases before training.</summary>
/// <remarks>
/// The default is <see cref="PyTorchUniform"/>. On a badly scaled tabular set (scikit-learn's make_classification,
/// 5000 training rows, 40 features of which 10 scaled by 1000 and 10 by 0.001, 5 classes; standardized; dense -> BN ->
/// ReLU [256, 128], Adam 1e-3, batch 32, 10 epochs; <c>python3 bench/peers.py tabular</c>) the mean test accuracy
/// over seeds 0-4 was 0.9062 with it and 0.9008 with <see cref="HeNormal"/> (0.9014 Glorot); PyTorch itself gave
/// 0.8992 with its default and 0.8878 with He normal. The smaller output-layer weights of the uniform draw
/// (variance 1/(3 fanIn) against 2/fanIn) start the softmax, sigmoid or regression output near its centre, which
/// helps small tabular sets. Package 0.1.0 used He normal: choose it to reproduce models trained with that release.
/// </remarks>
public enum MultilayerPerceptronInitialization
{
    /// <summary>
    /// He (Kaiming) normal, fan-in mode: weights N(0, 2 / fanIn) (He et al. 2015, section 2.2), biases 0.
    /// </summary>
    HeNormal,

    /// <summary>
    /// PyTorch's <c>nn.Linear</c> default (<c>kaiming_uniform_(a = sqrt(5))</c>): weights and biases uniform in
    /// [-1/sqrt(fanIn), 1/sqrt(fanIn)].
    /// </summary>
    PyTorchUniform,

    /// <summary>Glorot (Xavier) uniform: weights uniform in +-sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010), biases 0.</summary>
    GlorotUniform,
}
