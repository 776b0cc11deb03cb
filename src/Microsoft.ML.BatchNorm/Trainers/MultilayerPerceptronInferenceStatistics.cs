namespace Microsoft.ML.Trainers;

/// <summary>
/// Which mean and variance the batch-norm layers of a trained MultilayerPerceptron use at inference (scoring, saving,
/// ONNX export). The default is <see cref="RunningAverages"/>.
/// </summary>
public enum MultilayerPerceptronInferenceStatistics
{
    /// <summary>
    /// The running averages kept during training: after each mini-batch, <c>running = (1 - m) * running + m * batch</c>
    /// with m = <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/> and the unbiased batch variance
    /// (PyTorch's default rule). The default; no extra pass over the data.
    /// </summary>
    RunningAverages,

    /// <summary>
    /// Population statistics, Ioffe and Szegedy (2015, arXiv:1502.03167), Algorithm 2 (steps 8-11): after the last
    /// epoch (and after early stopping has restored the best epoch), one more pass over the training rows in
    /// mini-batches of <see cref="MultilayerPerceptronOptions.BatchSize"/>, with the network frozen and each batch-norm
    /// layer normalizing with its batch statistics as in training. Each layer's inference mean is the mean over the
    /// mini-batches of the batch means, E[x] = E_B[mu_B], and its variance the mean of the unbiased batch variances,
    /// Var[x] = m/(m-1) E_B[sigma_B^2] (each mini-batch corrected with its own size m; all have
    /// <see cref="MultilayerPerceptronOptions.BatchSize"/> rows except possibly the last). These replace the running
    /// averages, so they do not depend on <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/>; the
    /// validation figures of the epochs still use the running averages. The rows are taken in their order (the
    /// training rows left after any validation split). This is what PyTorch's
    /// <c>torch.optim.swa_utils.update_bn</c> computes (a cumulative average, <c>momentum=None</c>, of each batch's
    /// mean and unbiased variance in training mode) given the same mini-batches. Costs one forward pass over the
    /// training rows. The <c>BatchNormalize</c> transform needs no such option: it already computes exact statistics
    /// of its whole training data.
    /// </summary>
    Population,
}
