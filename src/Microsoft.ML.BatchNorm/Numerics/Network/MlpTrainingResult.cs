namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>The outcome of <c>MlpTrainer.Train</c>.</summary>
/// <param name="Network">The trained network (with early stopping: the parameters of <paramref name="BestEpoch"/>).</param>
/// <param name="History">One summary per epoch run, in order.</param>
/// <param name="BestEpoch">The 1-based epoch of the lowest validation loss; the last epoch without validation data.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before the configured number of epochs.</param>
internal sealed record MlpTrainingResult(MlpNetwork Network, IReadOnlyList<MlpEpochSummary> History, int BestEpoch,
    bool StoppedEarly);
