using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>What a setting of the comparison puts to the test (Ioffe and Szegedy 2015).</summary>
internal enum Claim
{
    /// <summary>Batch normalization reaches a given accuracy in fewer steps (section 4.2, Figure 2).</summary>
    FasterConvergence,

    /// <summary>Batch normalization allows higher learning rates without divergence (section 3.3).</summary>
    HigherLearningRate,

    /// <summary>Batch normalization makes training insensitive to the scale of the weights (section 3.3).</summary>
    InitialScale,
}

/// <summary>One training setting of the comparison, run with and without batch normalization.</summary>
/// <param name="Name">Short name, used in the table, the chart and the summary.</param>
/// <param name="Claim">What it tests.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="LearningRate">Its learning rate.</param>
/// <param name="Momentum">SGD's momentum (ignored by Adam).</param>
/// <param name="InitialWeightScale">Factor on the He-normal initial weights.</param>
internal sealed record ComparisonCase(string Name, Claim Claim, MultilayerPerceptronOptimizer Optimizer, float LearningRate,
    float Momentum = 0.9f, float InitialWeightScale = 1f)
{
    /// <summary>The name cut short for a progress bar's description: the optimizer, and the weights' scale when not 1.</summary>
    public string ShortName => (Optimizer == MultilayerPerceptronOptimizer.Adam ? "Adam" : "SGD") +
        (InitialWeightScale != 1f ? FormattableString.Invariant($" x{InitialWeightScale:G3}") : "");

    /// <summary>The settings compared, the reference (Adam 1e-3, the main job's) first.</summary>
    public static IReadOnlyList<ComparisonCase> All { get; } =
    [
        new("Adam 1e-3", Claim.FasterConvergence, MultilayerPerceptronOptimizer.Adam, 1e-3f),
        new("SGD 0.5, no momentum", Claim.HigherLearningRate, MultilayerPerceptronOptimizer.SgdMomentum, 0.5f, Momentum: 0f),
        new("Adam 1e-3, weights x10", Claim.InitialScale, MultilayerPerceptronOptimizer.Adam, 1e-3f, InitialWeightScale: 10f),
        new("Adam 1e-3, weights x0.1", Claim.InitialScale, MultilayerPerceptronOptimizer.Adam, 1e-3f, InitialWeightScale: 0.1f),
    ];

    /// <summary>The trainer options of this setting, with or without batch normalization; the rest as the main job's defaults.</summary>
    public MultilayerPerceptronTrainer.Options Options(bool batchNormalization, int epochs, int seed) => new()
    {
        HiddenLayerSizes = [256, 128],
        UseBatchNormalization = batchNormalization,
        NumberOfEpochs = epochs,
        BatchSize = 32,
        Optimizer = Optimizer,
        LearningRate = LearningRate,
        Momentum = Momentum,
        InitialWeightScale = InitialWeightScale,
        Seed = seed,
    };
}
