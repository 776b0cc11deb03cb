namespace Microsoft.ML.Trainers;

/// <summary>How a MultilayerPerceptron trainer draws the dense weights and biases before training.</summary>
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
