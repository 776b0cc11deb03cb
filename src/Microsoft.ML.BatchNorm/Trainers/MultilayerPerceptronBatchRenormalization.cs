namespace Microsoft.ML.Trainers;

/// <summary>
/// Batch Renormalization (Ioffe 2017, "Batch Renormalization: Towards Reducing Minibatch Dependence in
/// Batch-Normalized Models", arXiv:1702.03275, Algorithm 1) for the training of a MultilayerPerceptron's batch-norm
/// layers: set <see cref="MultilayerPerceptronOptions.BatchRenormalization"/> to an instance to turn it on. Meant
/// for small mini-batches, whose statistics are noisy and differ from the ones used at inference.
/// </summary>
/// <remarks>
/// <para>In training, each batch-norm layer computes, per feature, the batch mean mu_B and
/// sigma_B = sqrt(var_B + epsilon) (biased batch variance, <see cref="MultilayerPerceptronOptions.BatchNormalizationEpsilon"/>
/// inside the root, as in the paper and in Keras), then
/// r = clip(sigma_B / sigma, 1 / r_max, r_max), d = clip((mu_B - mu) / sigma, -d_max, d_max) and
/// y = gamma ((x - mu_B) / sigma_B * r + d) + beta, where mu and sigma are a moving mean and moving standard deviation
/// of mu_B and sigma_B (updated after each mini-batch with <see cref="Momentum"/>, starting at 0 and 1). r and d are
/// constants for the gradients (the paper's stop_gradient). With r = 1 and d = 0 this is batch normalization; as the
/// bounds open, the training output approaches what the moving statistics give, which is what inference uses.</para>
/// <para>Inference is unchanged: the layers score with the running statistics of
/// <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/> (or the population statistics of
/// <see cref="MultilayerPerceptronOptions.InferenceStatistics"/>), kept exactly as without this option. The paper
/// infers with mu and sigma themselves, and Keras (<c>renorm=True</c>) with its <c>moving_mean</c> and a variance
/// derived from its moving standard deviation; ours are a separate, training-only pair (like Keras'
/// <c>renorm_mean</c> and <c>renorm_stddev</c>), not saved with the model. Set
/// <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/> to <see cref="Momentum"/> (Keras' defaults do:
/// <c>momentum</c> and <c>renorm_momentum</c> are both 0.99) so that inference normalizes with statistics as slow as
/// the ones training was made to agree with: on Fashion-MNIST at mini-batches of 4 (README, "Small batches"),
/// renormalization with the default 0.1 was worse than plain batch normalization and unstable across seeds, and with
/// 0.01 better than it. With
/// <see cref="MultilayerPerceptronInferenceStatistics.Population"/>, Algorithm 2's pass after training normalizes with
/// plain batch statistics (no r and d), as the paper's Algorithm 2 does.</para>
/// <para>Against Keras' <c>BatchNormalization(renorm=True, renorm_clipping={"rmax", "rmin", "dmax"}, renorm_momentum)</c>:
/// <see cref="RMax"/> and <see cref="DMax"/> are <c>rmax</c> and <c>dmax</c>, and <c>rmin</c> is always 1 / RMax (the
/// paper's choice; Keras lets it be set apart); <see cref="Momentum"/> = 1 - <c>renorm_momentum</c> (PyTorch's
/// convention, as every momentum here); Keras has no warm-up schedule of its own (it takes the bounds as tensors the
/// user changes); the clipping and the moving statistics are otherwise the same (Keras also keeps sigma at least
/// sqrt(epsilon), which ours, an average of values of at least sqrt(epsilon) starting at 1, always is).</para>
/// <para>The schedule (paper, section 4.2, with r_max = 3 and d_max = 5): r_max = 1 and d_max = 0 for the first
/// <see cref="WarmUpSteps"/> mini-batches, then both rise linearly, reaching <see cref="RMax"/> after
/// <see cref="RMaxRelaxationSteps"/> more mini-batches and <see cref="DMax"/> after <see cref="DMaxRelaxationSteps"/>.
/// The steps count the mini-batches of the whole training, over all epochs (an epoch has about rows / BatchSize).
/// The defaults are the paper's step counts, which were chosen for a long ImageNet training: for a short training
/// shorten them, or the bounds never open.</para>
/// <para>Combined with <see cref="MultilayerPerceptronOptions.VirtualBatchSize"/>, each virtual batch is renormalized
/// as a batch of its own, in order. Only the MultilayerPerceptron trainers have it: the <c>BatchNormalize</c>
/// transform computes exact statistics of its whole training data, so it has no mini-batch to correct.</para>
/// <para>Checked when the trainer is created: an out-of-range value throws <see cref="ArgumentOutOfRangeException"/>
/// named <c>BatchRenormalization.RMax</c> and so on.</para>
/// </remarks>
public sealed class MultilayerPerceptronBatchRenormalization
{
    /// <summary>The final r_max: r is clipped to [1 / RMax, RMax]. Finite, at least 1 (1 turns r off). Default 3 (the paper's).</summary>
    public float RMax { get; set; } = 3f;

    /// <summary>The final d_max: d is clipped to [-DMax, DMax]. Finite, at least 0 (0 turns d off). Default 5 (the paper's).</summary>
    public float DMax { get; set; } = 5f;

    /// <summary>
    /// Mini-batches at the start of training with r_max = 1 and d_max = 0, that is plain batch normalization while the
    /// moving statistics settle. At least 0. Default 5000 (the paper's).
    /// </summary>
    public int WarmUpSteps { get; set; } = 5000;

    /// <summary>
    /// Mini-batches after the warm-up over which r_max rises linearly from 1 to <see cref="RMax"/>; 0 opens it at
    /// once. At least 0. Default 35000 (the paper's r_max reaches 3 at step 40000).
    /// </summary>
    public int RMaxRelaxationSteps { get; set; } = 35000;

    /// <summary>
    /// Mini-batches after the warm-up over which d_max rises linearly from 0 to <see cref="DMax"/>; 0 opens it at
    /// once. At least 0. Default 20000 (the paper's d_max reaches 5 at step 25000).
    /// </summary>
    public int DMaxRelaxationSteps { get; set; } = 20000;

    /// <summary>
    /// Weight of each mini-batch in the moving mean and standard deviation that r and d are measured against,
    /// PyTorch's convention: <c>mu = (1 - m) mu + m mu_B</c>, <c>sigma = (1 - m) sigma + m sigma_B</c> (the paper's
    /// update rate alpha). In [0, 1]. Default 0.01, Keras' <c>renorm_momentum</c> default of 0.99. Unlike
    /// <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/>, it shapes training: too large and r and d
    /// are as noisy as the batch, too small and mu and sigma lag behind the changing weights.
    /// </summary>
    public float Momentum { get; set; } = 0.01f;
}
