using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Where a training epoch of a MultilayerPerceptron trainer stands, reported through
/// <see cref="MultilayerPerceptronOptions.BatchProgress"/> between mini-batches. A struct: reporting it allocates
/// nothing.
/// </summary>
public readonly struct MultilayerPerceptronBatchProgress
{
    internal MultilayerPerceptronBatchProgress(MlpBatchProgress progress)
    {
        Epoch = progress.Epoch;
        RowsDone = progress.RowsDone;
        RowCount = progress.RowCount;
        TrainingLoss = progress.TrainLoss;
        Elapsed = progress.Elapsed;
    }

    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; }

    /// <summary>Training rows of this epoch trained on so far (equal to <see cref="RowCount"/> after its last mini-batch).</summary>
    public int RowsDone { get; }

    /// <summary>Training rows per epoch (without the rows held out by <see cref="MultilayerPerceptronOptions.ValidationFraction"/>).</summary>
    public int RowCount { get; }

    /// <summary>
    /// Mean training loss (the trainer's: softmax or sigmoid cross-entropy, squared error or Huber) over the
    /// <see cref="RowsDone"/> rows, in training mode: the running value of
    /// <see cref="MultilayerPerceptronEpoch.TrainingLoss"/>, which it equals after the epoch's last mini-batch.
    /// </summary>
    public double TrainingLoss { get; }

    /// <summary>Wall time since the epoch started.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"epoch {Epoch}: {RowsDone}/{RowCount} rows, loss {TrainingLoss:F4} ({Elapsed.TotalSeconds:F1} s)";
}
