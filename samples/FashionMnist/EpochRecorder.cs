using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// Hands each epoch the trainer reports to a callback, on the training thread (<see cref="Progress{T}"/> would post
/// it to the thread pool, where it could arrive after training has returned).
/// </summary>
internal sealed class EpochRecorder(Action<MultilayerPerceptronEpoch> record) : IProgress<MultilayerPerceptronEpoch>
{
    /// <inheritdoc/>
    public void Report(MultilayerPerceptronEpoch value) => record(value);
}
