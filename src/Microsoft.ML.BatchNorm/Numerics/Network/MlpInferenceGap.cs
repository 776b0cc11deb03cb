namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The train/inference gap after one epoch (<see cref="MlpInferenceGapMonitor"/>): the same fixed sample of training
/// rows scored in training mode (batch statistics) and in inference mode (running statistics), and how far the
/// epoch's last full mini-batch statistics lay from the running statistics, per batch-norm layer.
/// </summary>
/// <param name="SampleRows">Rows of the fixed training sample.</param>
/// <param name="TrainingModeLoss">Mean loss of the sample in training mode, in mini-batches of the batch size, with the parameters at the epoch's end.</param>
/// <param name="TrainingModeAccuracy">Accuracy of the same pass; NaN for regression.</param>
/// <param name="InferenceLoss">Mean loss of the sample in inference mode (the running statistics, as the saved model scores).</param>
/// <param name="InferenceAccuracy">Accuracy of the same pass; NaN for regression.</param>
/// <param name="StatisticsDistances">
/// Per batch-norm layer (input side first; empty without batch normalization): the distance D of
/// <see cref="MlpInferenceGapMonitor.Distance"/> between the statistics of the epoch's last mini-batch of at least the
/// batch size (<see cref="MlpInferenceGapMonitor.DistanceBatch"/>) and the running statistics as they stood before it.
/// </param>
internal sealed record MlpInferenceGap(int SampleRows, double TrainingModeLoss, double TrainingModeAccuracy,
    double InferenceLoss, double InferenceAccuracy, IReadOnlyList<double> StatisticsDistances);
