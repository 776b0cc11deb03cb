using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Regression trainer of a multilayer perceptron: the network of <see cref="MultilayerPerceptronTrainer"/> (dense ->
/// batch normalization -> ReLU hidden layers, mini-batches, backpropagation through the batch statistics) with one
/// linear output, trained on the squared error (or the Huber loss) of the standardized label. Create it with
/// <c>mlContext.Regression.Trainers.MultilayerPerceptron(...)</c>.
/// </summary>
/// <remarks>
/// <para>The label is standardized internally: the network learns t = (label - mean) / std, with the mean and
/// population standard deviation of the training label, and the <c>Score</c> maps its output back,
/// <c>output * std + mean</c>. Targets in the hundreds or the thousandths thus train with the default learning rate,
/// and the Huber delta is in standard deviations of the label.</para>
/// <para>Input: a Single label, finite in every training and validation row, not constant; a known-size vector of
/// <see cref="float"/> features. Output: <c>Score</c> (Single), like ML.NET's regressors, so
/// <c>mlContext.Regression.Evaluate</c> works. The training history's accuracies are NaN (there are no classes), its
/// losses are in standardized units.</para>
/// <para>Missing values: a NaN or infinite feature or label in the training or validation data throws
/// <see cref="InvalidOperationException"/> naming the row; at prediction a row with a NaN feature gets a NaN Score.</para>
/// <para>Saving: <c>mlContext.Model.SaveWithNetworks</c> and <c>mlContext.Model.LoadWithNetworks</c>.</para>
/// </remarks>
public sealed class MultilayerPerceptronRegressionTrainer : IEstimator<MultilayerPerceptronRegressionPredictionTransformer>
{
    /// <summary>Options of <see cref="MultilayerPerceptronRegressionTrainer"/>: those shared by the MultilayerPerceptron
    /// trainers (<see cref="MultilayerPerceptronOptions"/>), the loss and Huber's delta; the label is Single.</summary>
    public sealed class Options : MultilayerPerceptronOptions
    {
        /// <summary>The loss on the standardized label. Default <see cref="MultilayerPerceptronRegressionLoss.Squared"/>.</summary>
        public MultilayerPerceptronRegressionLoss LossFunction { get; set; } = MultilayerPerceptronRegressionLoss.Squared;

        /// <summary>
        /// Threshold of the Huber loss, in standard deviations of the label (the loss sees the standardized label);
        /// finite and positive. Default 1 (PyTorch's). Used only with <see cref="MultilayerPerceptronRegressionLoss.Huber"/>.
        /// </summary>
        public float HuberDelta { get; set; } = 1f;
    }

    private readonly Options _options;

    /// <summary>Creates the trainer. Prefer the catalog method.</summary>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (including an unknown LossFunction or a
    /// HuberDelta that is not finite and positive); the message names it.</exception>
    public MultilayerPerceptronRegressionTrainer(Options options)
    {
        MultilayerPerceptronFitting.Validate(options);
        if (!Enum.IsDefined(options.LossFunction))
            throw new ArgumentOutOfRangeException(nameof(options.LossFunction), options.LossFunction, "Unknown loss function.");
        if (!(float.IsFinite(options.HuberDelta) && options.HuberDelta > 0f))
            throw new ArgumentOutOfRangeException(nameof(options.HuberDelta), options.HuberDelta, "HuberDelta must be finite and positive.");
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> (holding out <see cref="MultilayerPerceptronOptions.ValidationFraction"/> of it, if set).</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label column is missing or not Single, or the feature column is
    /// missing or not a known-size vector of Single.</exception>
    /// <exception cref="InvalidOperationException">Fewer than 2 rows; a NaN or infinite label or feature (the message
    /// names the row); a constant label (the message names the column and the value); or training diverged.</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronRegressionPredictionTransformer Fit(IDataView input) => FitCore(input, null, null);

    /// <summary>Trains on <paramref name="trainData"/>, reporting validation figures (and early stopping) on <paramref name="validationData"/>.</summary>
    /// <param name="trainData">Training data.</param>
    /// <param name="validationData">Validation data with the same columns, or null; standardized with the training label's statistics.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled, before or during training; no model is returned.</exception>
    public MultilayerPerceptronRegressionPredictionTransformer Fit(IDataView trainData, IDataView? validationData) =>
        FitCore(trainData, validationData, null);

    /// <summary>
    /// Fine-tuning: continues training from <paramref name="modelParameters"/> (a trained regression network, e.g.
    /// <c>transformer.Model</c>) for <see cref="MultilayerPerceptronOptions.NumberOfEpochs"/> epochs on
    /// <paramref name="trainData"/>, as ML.NET's trainers that continue training do
    /// (<c>LbfgsPoissonRegressionTrainer.Fit(IDataView, LinearModelParameters)</c>).
    /// </summary>
    /// <remarks>
    /// <para>The network's weights, biases, gamma, beta and running statistics are the starting point; they are
    /// copied, so <paramref name="modelParameters"/> and the transformer that holds it do not change. The optimizer
    /// starts fresh (Adam's moment estimates and step count, or SGD's velocity, are not stored in a model), as does the
    /// shuffling, from <see cref="MultilayerPerceptronOptions.Seed"/>; <see cref="MultilayerPerceptronOptions.Initialization"/>
    /// and <see cref="MultilayerPerceptronOptions.InitialWeightScale"/> are not used. The returned model's
    /// <see cref="MultilayerPerceptronModelParameters.History"/> holds this run's epochs.
    /// <see cref="MultilayerPerceptronOptions.BatchNormalizationFreezing"/> freezes the batch-norm layers (as PyTorch's
    /// <c>eval()</c> or Keras' <c>trainable = False</c>); <see cref="MultilayerPerceptronOptions.ValidationFraction"/>,
    /// early stopping and <see cref="MultilayerPerceptronOptions.InferenceStatistics"/> apply as in <see cref="Fit(IDataView)"/>.</para>
    /// <para>The model must match the options and the data: <see cref="MultilayerPerceptronOptions.HiddenLayerSizes"/>,
    /// <see cref="MultilayerPerceptronOptions.UseBatchNormalization"/>,
    /// <see cref="MultilayerPerceptronOptions.BatchNormalizationEpsilon"/> and
    /// <see cref="MultilayerPerceptronOptions.BatchNormalizationPlacement"/> equal to the model's (fine-tuning never
    /// changes a network's shape), and the feature column's size equal to the model's input size. The label is standardized with the model's mean and standard deviation (those of its original training label, kept with the model), not the new data's, so the network's output keeps its meaning; the returned transformer has the same LabelMean and LabelStandardDeviation. A binary or multiclass network is refused, even one with a single output.</para>
    /// </remarks>
    /// <param name="trainData">Training data with the label and feature columns.</param>
    /// <param name="modelParameters">The trained regression network to continue from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> or <paramref name="modelParameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="modelParameters"/> does not match: it is not a regression
    /// network, or its feature count, hidden layer sizes, batch normalization, epsilon or placement differ from the data's or the
    /// options'; the message names the column or option and both values.</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronRegressionPredictionTransformer Fit(IDataView trainData, MultilayerPerceptronModelParameters modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        return FitCore(trainData, null, modelParameters);
    }

    private MultilayerPerceptronRegressionPredictionTransformer FitCore(IDataView trainData, IDataView? validationData,
        MultilayerPerceptronModelParameters? initialModel)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        _options.CancellationToken.ThrowIfCancellationRequested();
        int featureCount = CheckColumns(trainData.Schema, nameof(trainData));
        if (initialModel is not null)
            MultilayerPerceptronFitting.CheckInitialModel(_options, initialModel, featureCount, 1,
                TrainedLabel.Regression(initialModel.Label.Mean, initialModel.Label.StandardDeviation), "modelParameters");
        var train = TrainingData.ReadSingles(trainData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, "Training");
        // Fine-tuning keeps the model's standardization: the network's output means what it meant.
        var (mean, standardDeviation) = initialModel is null ? LabelStatistics(train.Targets)
            : ((double)initialModel.Label.Mean, (double)initialModel.Label.StandardDeviation);
        if (train.RowCount >= 2 && !(standardDeviation > 0))
            throw new InvalidOperationException(
                $"Training data: label column '{_options.LabelColumnName}' holds the same value, {train.Targets[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}, in all {train.RowCount} rows. " +
                "A regressor learns nothing from a constant label: it cannot be standardized (its standard deviation is 0), and the only " +
                "sensible model predicts that value for every row, which needs no training. Check the label column, and the filter or split " +
                "that produced the data.");
        TrainingData? validation = null;
        if (validationData is not null)
        {
            int validationFeatures = CheckColumns(validationData.Schema, nameof(validationData));
            if (validationFeatures != featureCount)
                throw new ArgumentOutOfRangeException(nameof(validationData),
                    $"Validation data has {validationFeatures} features; the training data has {featureCount}.");
            validation = TrainingData.ReadSingles(validationData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, "Validation");
            validation = validation.WithTargets(Standardize(validation.Targets, mean, standardDeviation));
        }
        var model = MultilayerPerceptronFitting.Train(_options, train.WithTargets(Standardize(train.Targets, mean, standardDeviation)),
            validation, featureCount, outputCount: 1,
            _options.LossFunction == MultilayerPerceptronRegressionLoss.Huber ? MlpLossKind.Huber : MlpLossKind.SquaredError,
            _options.HuberDelta, TrainedLabel.Regression((float)mean, (float)standardDeviation), initialModel);
        return new MultilayerPerceptronRegressionPredictionTransformer(model, _options.FeatureColumnName, (float)mean, (float)standardDeviation);
    }

    /// <summary>Mean and population standard deviation, in double (two passes).</summary>
    private static (double Mean, double StandardDeviation) LabelStatistics(float[] labels)
    {
        if (labels.Length == 0)
            return (0, 1);
        double mean = 0;
        foreach (float v in labels) mean += v;
        mean /= labels.Length;
        double squares = 0;
        foreach (float v in labels) squares += (v - mean) * (v - mean);
        double std = Math.Sqrt(squares / labels.Length);
        // A float scale: a spread below float's resolution counts as constant.
        return (mean, (float)std > 0f && float.IsFinite((float)std) ? std : 0);
    }

    private static float[] Standardize(float[] labels, double mean, double standardDeviation)
    {
        var result = new float[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = (float)((labels[i] - mean) / standardDeviation);
        return result;
    }

    private int CheckColumns(DataViewSchema schema, string paramName)
    {
        var label = MultilayerPerceptronFitting.FindLabel(schema, _options, paramName);
        if (label.Type != NumberDataViewType.Single)
            throw SchemaChecks.WrongType(paramName, "Label", label.Name, SingleLabelAdvice(label.Name), label.Type.ToString() ?? "");
        return MultilayerPerceptronFitting.CheckFeatures(schema, _options, paramName);
    }

    private static string SingleLabelAdvice(string name) =>
        $"Single, as ML.NET's regressors expect. Convert it first: mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single)";

    /// <summary>Schema propagation: adds <c>Score</c> (Single) with the annotations of ML.NET's regression scorer.</summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label is missing or not Single, or the features are missing
    /// or not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = MultilayerPerceptronFitting.FindLabel(inputSchema, _options, nameof(inputSchema));
        if (label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType != NumberDataViewType.Single)
            throw SchemaChecks.WrongType(nameof(inputSchema), "Label", label.Name, SingleLabelAdvice(label.Name), SchemaChecks.Describe(label));
        MultilayerPerceptronFitting.CheckFeatures(inputSchema, _options, nameof(inputSchema));
        // SchemaShape.Column has no public constructor: a built-in regressor promises exactly this column (its
        // GetOutputSchema checks the shape only; nothing is trained).
        return ShapeSource.MLContext.Regression.Trainers
            .Sdca(_options.LabelColumnName, _options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }
}
