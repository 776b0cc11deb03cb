using System.Globalization;
using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The train/inference gap of batch normalization after one epoch (<see cref="MultilayerPerceptronEpoch.InferenceGap"/>).
/// A network with batch normalization trains on each mini-batch's statistics but scores with running averages of
/// them (Ioffe and Szegedy 2015, arXiv:1502.03167, section 3.1 and Algorithm 2); when the averages lag behind the
/// network, or small mini-batches make each batch's statistics noisy, the model that is saved is not the one whose
/// training loss was watched (Ioffe 2017, arXiv:1702.03275, section 2). This shows it during training, on a fixed
/// sample of the training rows (<see cref="MultilayerPerceptronOptions.InferenceGapSampleSize"/>), before it shows up
/// as a bad test accuracy.
/// </summary>
/// <remarks>
/// <para>How to read it. <see cref="InferenceLoss"/> is the loss the saved model has on training rows;
/// <see cref="TrainingModeLoss"/> the loss the network has on the same rows in training mode, with the same
/// parameters. <see cref="LossGap"/> near 0 (small next to the loss itself) means the running averages
/// represent the network; a gap that is large, or grows from epoch to epoch while the training loss falls, means they
/// have not caught up: raise <see cref="MultilayerPerceptronOptions.BatchNormalizationMomentum"/> (PyTorch's convention:
/// the weight of each new batch), use larger mini-batches, or compute the statistics after training
/// (<see cref="MultilayerPerceptronInferenceStatistics.Population"/>). A negative gap is possible (inference uses
/// smoother statistics than one mini-batch's).</para>
/// <para><see cref="StatisticsDistances"/> says where: per batch-norm layer, the root mean square over its units of
/// the mean shift s = (mu_B - mu_R) / sqrt(v_R + eps) and the log scale ratio t = ln((sigma2_B + eps) / (v_R + eps)) / 2
/// between the epoch's last full mini-batch (the last one, or the one before it when the last is a smaller remainder;
/// mean mu_B, biased variance sigma2_B, what training normalized with) and the running statistics (mu_R, v_R) as they
/// stood before that mini-batch (so that it is new to them). Inference normalizes a value as training did,
/// times exp(t), plus s: both are in units of the normalized activation, so the distance has no unit and does not
/// depend on the scale of the data. A mini-batch of m rows differs from the exact statistics by sampling noise alone:
/// for Gaussian activations the distance is then about sqrt(1.5 / m) (0.22 at m = 32, 0.77 at m = 4). A distance
/// well above that (1 and more) means the running statistics describe another network than the one trained.</para>
/// <para>With frozen statistics (<see cref="MultilayerPerceptronOptions.BatchNormalizationFreezing"/>) training
/// normalizes with the running statistics too, so the loss gap is 0 up to rounding, and the distance measures how far
/// the fine-tuning data's statistics are from the frozen ones.</para>
/// </remarks>
public sealed class MultilayerPerceptronInferenceGap
{
    internal MultilayerPerceptronInferenceGap(MlpInferenceGap gap)
        : this(gap.SampleRows, gap.TrainingModeLoss, gap.TrainingModeAccuracy, gap.InferenceLoss, gap.InferenceAccuracy,
            gap.StatisticsDistances)
    {
    }

    internal MultilayerPerceptronInferenceGap(int sampleRows, double trainingModeLoss, double trainingModeAccuracy,
        double inferenceLoss, double inferenceAccuracy, IReadOnlyList<double> statisticsDistances)
    {
        SampleRows = sampleRows;
        TrainingModeLoss = trainingModeLoss;
        TrainingModeAccuracy = trainingModeAccuracy;
        InferenceLoss = inferenceLoss;
        InferenceAccuracy = inferenceAccuracy;
        StatisticsDistances = statisticsDistances.ToArray();
    }

    /// <summary>Rows of the fixed training sample (the same rows every epoch).</summary>
    public int SampleRows { get; }

    /// <summary>
    /// Mean loss (the trainer's, as <see cref="MultilayerPerceptronEpoch.TrainingLoss"/>) of the sample in training mode
    /// at the epoch's end: its rows in mini-batches of <see cref="MultilayerPerceptronOptions.BatchSize"/>, each batch-norm
    /// layer normalizing with the mini-batch's statistics; nothing is updated.
    /// </summary>
    public double TrainingModeLoss { get; }

    /// <summary>Fraction of the sample classified right in the same pass; NaN for regression.</summary>
    public double TrainingModeAccuracy { get; }

    /// <summary>Mean loss of the sample in inference mode (the running statistics: as the trained model scores).</summary>
    public double InferenceLoss { get; }

    /// <summary>Fraction of the sample classified right in inference mode; NaN for regression.</summary>
    public double InferenceAccuracy { get; }

    /// <summary><see cref="InferenceLoss"/> - <see cref="TrainingModeLoss"/>.</summary>
    public double LossGap => InferenceLoss - TrainingModeLoss;

    /// <summary>
    /// Per batch-norm layer, input side first (empty without batch normalization): the distance between the
    /// epoch's last full mini-batch statistics and the running statistics (see the remarks). No unit; about
    /// sqrt(1.5 / BatchSize) from sampling noise alone.
    /// </summary>
    public IReadOnlyList<double> StatisticsDistances { get; }

    /// <summary>The largest of <see cref="StatisticsDistances"/>, or null without batch normalization.</summary>
    public double? MaxStatisticsDistance => StatisticsDistances.Count == 0 ? null : StatisticsDistances.Max();

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"sample of {SampleRows}: training-mode loss {TrainingModeLoss:F4}, inference loss {InferenceLoss:F4} (gap {LossGap:+0.0000;-0.0000})") +
        (MaxStatisticsDistance is double d ? string.Create(CultureInfo.InvariantCulture, $", statistics distance {d:F3}") : "");
}
