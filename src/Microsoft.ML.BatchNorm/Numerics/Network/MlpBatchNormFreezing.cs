namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// What fine-tuning keeps fixed in the batch-norm layers (<see cref="MlpTrainingSettings.BatchNormFreezing"/>).
/// </summary>
internal enum MlpBatchNormFreezing
{
    /// <summary>Nothing: batch statistics in training mode, running statistics updated, gamma and beta trained.</summary>
    None,

    /// <summary>
    /// The running statistics are fixed and normalize in training mode too (<see cref="MlpFrozenBatchNorm"/>); gamma and
    /// beta are trained. PyTorch: <c>BatchNorm1d.eval()</c> while the network trains.
    /// </summary>
    Statistics,

    /// <summary>
    /// As <see cref="Statistics"/>, and gamma and beta are fixed too. Keras: <c>BatchNormalization(trainable=False)</c>;
    /// PyTorch: <c>eval()</c> plus <c>requires_grad_(False)</c> on the layer's weight and bias.
    /// </summary>
    StatisticsAndAffine,
}
