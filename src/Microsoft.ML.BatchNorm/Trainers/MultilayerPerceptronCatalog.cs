using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Trainers;

namespace Microsoft.ML;

/// <summary>
/// Catalog entry points of the multilayer perceptron:
/// <c>mlContext.MulticlassClassification.Trainers.MultilayerPerceptron(...)</c>,
/// <c>mlContext.BinaryClassification.Trainers.MultilayerPerceptron(...)</c> and
/// <c>mlContext.Regression.Trainers.MultilayerPerceptron(...)</c>.
/// </summary>
public static class MultilayerPerceptronCatalog
{
    /// <summary>
    /// Creates a <see cref="MultilayerPerceptronTrainer"/>: dense -> batch norm -> ReLU hidden layers, softmax output,
    /// Adam, with the other options at their defaults (see <see cref="MultilayerPerceptronTrainer.Options"/>).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Label column: a key of UInt32 (as from MapValueToKey) with at least 2 values. Default "Label".</param>
    /// <param name="featureColumnName">Feature column: a known-size vector of Single. Default "Features".</param>
    /// <param name="hiddenLayerSizes">Widths of the hidden layers; null for [256, 128].</param>
    /// <param name="numberOfEpochs">Passes over the data, at least 1. Default 10.</param>
    /// <param name="batchSize">Rows per mini-batch, at least 1. Default 32.</param>
    /// <param name="learningRate">Adam's step size, positive. Default 1e-3.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, count or rate is out of range.</exception>
    public static MultilayerPerceptronTrainer MultilayerPerceptron(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = StandardColumnNames.Label,
        string featureColumnName = StandardColumnNames.Features,
        int[]? hiddenLayerSizes = null,
        int numberOfEpochs = 10,
        int batchSize = 32,
        float learningRate = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = new MultilayerPerceptronTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            NumberOfEpochs = numberOfEpochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
        };
        if (hiddenLayerSizes is not null)
            options.HiddenLayerSizes = hiddenLayerSizes;
        return new MultilayerPerceptronTrainer(options);
    }

    /// <summary>Creates a <see cref="MultilayerPerceptronTrainer"/> from full options.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static MultilayerPerceptronTrainer MultilayerPerceptron(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        MultilayerPerceptronTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MultilayerPerceptronTrainer(options);
    }

    /// <summary>
    /// Creates a <see cref="MultilayerPerceptronBinaryTrainer"/>: dense -> batch norm -> ReLU hidden layers, one logit
    /// trained on the binary cross-entropy, Adam, with the other options at their defaults (see
    /// <see cref="MultilayerPerceptronOptions"/>).
    /// </summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column: Boolean. Default "Label".</param>
    /// <param name="featureColumnName">Feature column: a known-size vector of Single. Default "Features".</param>
    /// <param name="hiddenLayerSizes">Widths of the hidden layers; null for [256, 128].</param>
    /// <param name="numberOfEpochs">Passes over the data, at least 1. Default 10.</param>
    /// <param name="batchSize">Rows per mini-batch, at least 2 (with batch normalization). Default 32.</param>
    /// <param name="learningRate">Adam's step size, positive. Default 1e-3.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, count or rate is out of range.</exception>
    public static MultilayerPerceptronBinaryTrainer MultilayerPerceptron(
        this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = StandardColumnNames.Label,
        string featureColumnName = StandardColumnNames.Features,
        int[]? hiddenLayerSizes = null,
        int numberOfEpochs = 10,
        int batchSize = 32,
        float learningRate = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MultilayerPerceptronBinaryTrainer(Fill(new MultilayerPerceptronBinaryTrainer.Options(), labelColumnName,
            featureColumnName, hiddenLayerSizes, numberOfEpochs, batchSize, learningRate));
    }

    /// <summary>Creates a <see cref="MultilayerPerceptronBinaryTrainer"/> from full options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static MultilayerPerceptronBinaryTrainer MultilayerPerceptron(
        this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        MultilayerPerceptronBinaryTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MultilayerPerceptronBinaryTrainer(options);
    }

    /// <summary>
    /// Creates a <see cref="MultilayerPerceptronRegressionTrainer"/>: dense -> batch norm -> ReLU hidden layers, one
    /// linear output trained on the squared error of the standardized label, Adam, with the other options at their
    /// defaults (see <see cref="MultilayerPerceptronRegressionTrainer.Options"/>; Huber loss there).
    /// </summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">Label column: Single. Default "Label".</param>
    /// <param name="featureColumnName">Feature column: a known-size vector of Single. Default "Features".</param>
    /// <param name="hiddenLayerSizes">Widths of the hidden layers; null for [256, 128].</param>
    /// <param name="numberOfEpochs">Passes over the data, at least 1. Default 10.</param>
    /// <param name="batchSize">Rows per mini-batch, at least 2 (with batch normalization). Default 32.</param>
    /// <param name="learningRate">Adam's step size, positive. Default 1e-3.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, count or rate is out of range.</exception>
    public static MultilayerPerceptronRegressionTrainer MultilayerPerceptron(
        this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = StandardColumnNames.Label,
        string featureColumnName = StandardColumnNames.Features,
        int[]? hiddenLayerSizes = null,
        int numberOfEpochs = 10,
        int batchSize = 32,
        float learningRate = 1e-3f)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MultilayerPerceptronRegressionTrainer(Fill(new MultilayerPerceptronRegressionTrainer.Options(), labelColumnName,
            featureColumnName, hiddenLayerSizes, numberOfEpochs, batchSize, learningRate));
    }

    /// <summary>Creates a <see cref="MultilayerPerceptronRegressionTrainer"/> from full options.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static MultilayerPerceptronRegressionTrainer MultilayerPerceptron(
        this RegressionCatalog.RegressionTrainers catalog,
        MultilayerPerceptronRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MultilayerPerceptronRegressionTrainer(options);
    }

    private static T Fill<T>(T options, string labelColumnName, string featureColumnName, int[]? hiddenLayerSizes,
        int numberOfEpochs, int batchSize, float learningRate)
        where T : MultilayerPerceptronOptions
    {
        options.LabelColumnName = labelColumnName;
        options.FeatureColumnName = featureColumnName;
        options.NumberOfEpochs = numberOfEpochs;
        options.BatchSize = batchSize;
        options.LearningRate = learningRate;
        if (hiddenLayerSizes is not null)
            options.HiddenLayerSizes = hiddenLayerSizes;
        return options;
    }
}
