namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>Which mean and variance a trained network's batch-norm layers use at inference.</summary>
internal enum MlpInferenceStatistics
{
    /// <summary>The running averages updated during training with the batch-norm momentum (PyTorch's default rule).</summary>
    RunningAverages,

    /// <summary>
    /// Population statistics after training (Ioffe and Szegedy 2015, Algorithm 2, steps 8-11), computed by
    /// <see cref="MlpPopulationStatistics.Compute"/>: they replace the running averages.
    /// </summary>
    Population,
}
