namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>What one training epoch achieved; passed to the per-epoch callback and kept in the history.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean loss (MlpTrainingSettings.Loss) over the epoch's training rows, measured in training mode during the epoch (before each step's update; without the L2 term).</param>
/// <param name="TrainAccuracy">Fraction of the epoch's training rows classified right, measured likewise; NaN for regression.</param>
/// <param name="ValidationLoss">Mean loss on the validation data in inference mode after the epoch, or null without validation data.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data after the epoch (NaN for regression), or null.</param>
/// <param name="Elapsed">Wall time of this epoch (training and validation).</param>
/// <param name="TotalElapsed">Wall time since training started (initialization included).</param>
/// <param name="InferenceGap">The train/inference gap measured after the epoch, or null when it is off (<see cref="MlpTrainingSettings.InferenceGapSampleRows"/> = 0).</param>
internal sealed record MlpEpochSummary(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss,
    double? ValidationAccuracy, TimeSpan Elapsed, TimeSpan TotalElapsed, MlpInferenceGap? InferenceGap = null);
