namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Where an epoch of <c>MlpTrainer.Train</c> stands between two mini-batches. A struct, so reporting it
/// allocates nothing.
/// </summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="RowsDone">Training rows of this epoch whose mini-batches have been trained on.</param>
/// <param name="RowCount">Training rows per epoch.</param>
/// <param name="TrainLoss">Mean softmax cross-entropy over the <paramref name="RowsDone"/> rows, in training mode (before each step's update).</param>
/// <param name="Elapsed">Wall time since the epoch started.</param>
internal readonly record struct MlpBatchProgress(int Epoch, int RowsDone, int RowCount, double TrainLoss, TimeSpan Elapsed);
