namespace Microsoft.ML.Trainers;

/// <summary>
/// What fine-tuning (<c>Fit(trainData, modelParameters)</c> of a MultilayerPerceptron trainer) keeps fixed in the
/// batch-norm layers (<see cref="MultilayerPerceptronOptions.BatchNormalizationFreezing"/>). The default is
/// <see cref="None"/>.
/// </summary>
/// <remarks>
/// <para>Freezing the statistics makes each batch-norm layer, in training too, the fixed affine map it is at inference:
/// <c>y = gamma * (z - runningMean) / sqrt(runningVariance + epsilon) + beta</c> (Ioffe and Szegedy 2015,
/// arXiv:1502.03167, Algorithm 2, step 11), with the running statistics of the initial model. The forward pass uses
/// them instead of the mini-batch's statistics, the backward pass treats them as constants (no gradient flows
/// through a mean or a variance), and they are not updated. Training and inference then compute the same function,
/// which is what one wants when the fine-tuning data are few, come in small mini-batches, or differ from the data the
/// statistics came from.</para>
/// <para>Peers: PyTorch puts a <c>torch.nn.BatchNorm1d</c> in this mode with <c>module.eval()</c> while the rest of the
/// model trains (its weight and bias, gamma and beta, still train unless their <c>requires_grad</c> is turned off), see
/// the <c>BatchNorm1d</c> and <c>Module.eval</c> documentation; Keras does it for a
/// <c>tf.keras.layers.BatchNormalization</c> whose <c>trainable</c> is set to False (since TensorFlow 2.0 the layer
/// then runs in inference mode and its gamma and beta are frozen too), see "About setting layer.trainable = False on a
/// BatchNormalization layer" in that layer's documentation.</para>
/// </remarks>
public enum MultilayerPerceptronBatchNormalizationFreezing
{
    /// <summary>Nothing is frozen: batch-norm layers train as usual (batch statistics, running averages updated with
    /// <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/>, gamma and beta trained).</summary>
    None,

    /// <summary>
    /// The running statistics are frozen and normalize in training mode too; gamma and beta are trained. PyTorch's
    /// <c>eval()</c> on the batch-norm layers.
    /// </summary>
    Statistics,

    /// <summary>
    /// The running statistics, gamma and beta are all frozen: each batch-norm layer is a fixed affine map and only the
    /// dense layers train. Keras' <c>trainable = False</c>; PyTorch's <c>eval()</c> with <c>requires_grad_(False)</c>
    /// on the layer's weight and bias.
    /// </summary>
    StatisticsAndAffine,
}
