using System.Globalization;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>
/// Watches the epochs of a run without early stopping and gives one hint, one line, when the loss has not improved for
/// <see cref="Patience"/> epochs: the validation loss when there is validation data, the training loss otherwise.
/// When the training loss has stalled too, the network is not learning (a learning rate too high, dead ReLUs) and the
/// hint says what to change; when only the validation loss has, it is over-fitting and the hint names early stopping.
/// </summary>
internal sealed class NoImprovementHint
{
    /// <summary>Epochs without a lower loss before the hint.</summary>
    public const int Patience = 3;

    private readonly string _notLearningAdvice;
    private double _bestTraining = double.PositiveInfinity, _bestWatched = double.PositiveInfinity;
    private int _bestTrainingEpoch, _bestWatchedEpoch;
    private bool _given;

    /// <summary>A watcher for a run at <paramref name="learningRate"/>, with or without batch normalization (for the advice).</summary>
    public NoImprovementHint(float learningRate, bool batchNormalization)
    {
        _notLearningAdvice = string.Create(CultureInfo.InvariantCulture, $"try a lower --learning-rate (now {learningRate:G4})") +
            (batchNormalization ? "." : ", or leave out --no-batch-norm.");
    }

    /// <summary>
    /// Takes the next epoch; returns the hint the first time the watched loss has not improved for
    /// <see cref="Patience"/> epochs, otherwise null.
    /// </summary>
    public string? Next(MultilayerPerceptronEpoch epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        if (epoch.TrainingLoss < _bestTraining)
            (_bestTraining, _bestTrainingEpoch) = (epoch.TrainingLoss, epoch.Epoch);
        bool validation = epoch.ValidationLoss is not null;
        double watched = epoch.ValidationLoss ?? epoch.TrainingLoss;
        if (watched < _bestWatched)
        {
            (_bestWatched, _bestWatchedEpoch) = (watched, epoch.Epoch);
            return null;
        }
        if (_given || epoch.Epoch - _bestWatchedEpoch < Patience)
            return null;
        _given = true;
        string best = _bestWatched.ToString("F4", CultureInfo.InvariantCulture);
        if (!validation)
            return $"hint: the training loss has not improved since epoch {_bestWatchedEpoch} ({best}): {_notLearningAdvice}";
        if (epoch.Epoch - _bestTrainingEpoch >= Patience)
            return $"hint: neither the training nor the validation loss has improved since epoch {Math.Max(_bestTrainingEpoch, _bestWatchedEpoch)}: " +
                _notLearningAdvice;
        return $"hint: the validation loss has not improved since epoch {_bestWatchedEpoch} ({best}) while the training loss " +
            $"has: over-fitting. --early-stopping {Patience} stops and keeps epoch {_bestWatchedEpoch}'s model.";
    }
}
