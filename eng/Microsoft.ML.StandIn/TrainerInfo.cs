namespace Microsoft.ML;

/// <summary>What a trainer needs and supports (constructed by ML.NET's own trainers only: constructor internal).</summary>
public sealed class TrainerInfo
{
    internal TrainerInfo(bool normalization = true, bool calibration = false, bool caching = true,
        bool supportValid = false, bool supportIncrementalTrain = false)
    {
        NeedNormalization = normalization;
        NeedCalibration = calibration;
        WantCaching = caching;
        SupportsValidation = supportValid;
        SupportsIncrementalTraining = supportIncrementalTrain;
    }

    /// <summary>Whether the features should be normalized.</summary>
    public bool NeedNormalization { get; }

    /// <summary>Whether the outputs need calibration.</summary>
    public bool NeedCalibration { get; }

    /// <summary>Whether the trainer makes several passes and benefits from cached data.</summary>
    public bool WantCaching { get; }

    /// <summary>Whether a validation set can be given.</summary>
    public bool SupportsValidation { get; }

    /// <summary>Whether training can continue from a previous model.</summary>
    public bool SupportsIncrementalTraining { get; }
}
