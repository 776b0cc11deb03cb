namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>How <see cref="MlpNetwork.CreateInitialized"/> draws the dense weights and biases.</summary>
internal enum MlpInitialization
{
    /// <summary>
    /// PyTorch's nn.Linear default (kaiming_uniform with a = sqrt(5)): weights and biases uniform in
    /// [-1/sqrt(fanIn), 1/sqrt(fanIn)].
    /// </summary>
    PyTorchUniform,

    /// <summary>He (Kaiming) normal, fan-in mode, gain sqrt(2): weights N(0, 2 / fanIn) (He et al. 2015, 2.2); biases 0.</summary>
    HeNormal,

    /// <summary>Glorot (Xavier) uniform: weights uniform in +-sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010); biases 0.</summary>
    GlorotUniform,
}
