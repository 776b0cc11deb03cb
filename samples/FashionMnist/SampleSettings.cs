using Microsoft.ML.Trainers;

namespace Microsoft.ML.BatchNorm.Samples.FashionMnist;

/// <summary>Which dataset to train on.</summary>
internal enum DatasetChoice
{
    /// <summary>Fashion-MNIST when --data is given or the files are installed, otherwise the embedded digits.</summary>
    Auto,

    /// <summary>The embedded UCI digits (1797 rows of 8 x 8 pixels).</summary>
    Digits,

    /// <summary>Fashion-MNIST (60000 + 10000 images of 28 x 28 pixels).</summary>
    FashionMnist,
}

/// <summary>The validated command line.</summary>
/// <param name="Dataset">The dataset choice.</param>
/// <param name="DataDirectory">Fashion-MNIST's directory from --data, or null for the installed one.</param>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Rows per mini-batch.</param>
/// <param name="HiddenSizes">Widths of the hidden layers (empty: softmax regression).</param>
/// <param name="LearningRate">Step size of the optimizer.</param>
/// <param name="UseBatchNormalization">Batch normalization in the hidden layers.</param>
/// <param name="Optimizer">Adam or SGD with momentum.</param>
/// <param name="OutputPath">Model file from --output, or null for the default under ./models.</param>
/// <param name="Seed">Seed of the split, the initialization and the shuffles.</param>
/// <param name="ValidationFraction">Fraction of the training rows held out for the per-epoch validation figures.</param>
/// <param name="EarlyStoppingPatience">Epochs without a lower validation loss before training stops; 0 for no early stopping.</param>
/// <param name="BatchNormPlacement">Batch normalization before the ReLU (the paper's, default) or after it (--bn-placement).</param>
/// <param name="BatchNormalizationMomentum">Momentum of the running statistics (PyTorch's convention); default 0.1.</param>
internal sealed record SampleSettings(
    DatasetChoice Dataset,
    string? DataDirectory,
    int Epochs,
    int BatchSize,
    int[] HiddenSizes,
    float LearningRate,
    bool UseBatchNormalization,
    MultilayerPerceptronOptimizer Optimizer,
    string? OutputPath,
    int Seed,
    double ValidationFraction,
    int EarlyStoppingPatience,
    MultilayerPerceptronBatchNormalizationPlacement BatchNormPlacement = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation,
    float BatchNormalizationMomentum = 0.1f)
{
    /// <summary>
    /// How the network's hidden layers are described: "off", or "on" ("on, after the ReLU") with the running-statistics
    /// momentum.
    /// </summary>
    public string BatchNormDescription => !UseBatchNormalization ? "off"
        : (BatchNormPlacement == MultilayerPerceptronBatchNormalizationPlacement.AfterActivation ? "on, after the ReLU" : "on") +
          $" (running-statistics momentum {BatchNormalizationMomentum:G3})";
}
