using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Binary classification trainer of a multilayer perceptron: the network of <see cref="MultilayerPerceptronTrainer"/>
/// (dense -> batch normalization -> ReLU hidden layers, mini-batches, backpropagation through the batch statistics)
/// with one output, the logit z, trained on the binary cross-entropy of sigmoid(z) (PyTorch's BCEWithLogitsLoss).
/// Create it with <c>mlContext.BinaryClassification.Trainers.MultilayerPerceptron(...)</c>.
/// </summary>
/// <remarks>
/// <para>Input: a Boolean label (true is the positive class), as ML.NET's binary trainers expect, with both classes in
/// the training data; a known-size vector of <see cref="float"/> features. Output: the columns of ML.NET's calibrated
/// binary trainers, <c>PredictedLabel</c> (Boolean), <c>Score</c> (the logit) and <c>Probability</c> (sigmoid of the
/// logit), so <c>mlContext.BinaryClassification.Evaluate</c> gives AUC, F1 and log-loss.</para>
/// <para>Missing values: a NaN or infinite feature in the training or validation data throws
/// <see cref="InvalidOperationException"/> naming the row and the slot; at prediction, a row with a NaN feature gets a
/// NaN Score and Probability and PredictedLabel false. Replace them in the pipeline first
/// (<c>mlContext.Transforms.ReplaceMissingValues</c>) or drop the rows (<c>mlContext.Data.FilterRowsByMissingValues</c>).</para>
/// <para>Saving: <c>mlContext.Model.SaveWithNetworks</c> and <c>mlContext.Model.LoadWithNetworks</c>.</para>
/// </remarks>
public sealed class MultilayerPerceptronBinaryTrainer : IEstimator<MultilayerPerceptronBinaryPredictionTransformer>
{
    /// <summary>Options of <see cref="MultilayerPerceptronBinaryTrainer"/>: those shared by the MultilayerPerceptron
    /// trainers (<see cref="MultilayerPerceptronOptions"/>); the label is Boolean.</summary>
    public sealed class Options : MultilayerPerceptronOptions
    {
    }

    private readonly Options _options;

    /// <summary>Creates the trainer. Prefer the catalog method.</summary>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public MultilayerPerceptronBinaryTrainer(Options options)
    {
        MultilayerPerceptronFitting.Validate(options);
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> (holding out <see cref="MultilayerPerceptronOptions.ValidationFraction"/> of it, if set).</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label column is missing or not Boolean (the message says how to
    /// convert it), or the feature column is missing or not a known-size vector of Single.</exception>
    /// <exception cref="InvalidOperationException">Fewer than 2 rows; only one class in the training data (the message
    /// names the column); a non-finite feature (the message names the row); or training diverged.</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronBinaryPredictionTransformer Fit(IDataView input) => FitCore(input, null, null);

    /// <summary>Trains on <paramref name="trainData"/>, reporting validation figures (and early stopping) on <paramref name="validationData"/>.</summary>
    /// <param name="trainData">Training data.</param>
    /// <param name="validationData">Validation data with the same columns, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled, before or during training; no model is returned.</exception>
    public MultilayerPerceptronBinaryPredictionTransformer Fit(IDataView trainData, IDataView? validationData) =>
        FitCore(trainData, validationData, null);

    /// <summary>
    /// Fine-tuning: continues training from <paramref name="modelParameters"/> (a trained binary network, e.g.
    /// <c>transformer.Model</c>) for <see cref="MultilayerPerceptronOptions.NumberOfEpochs"/> epochs on
    /// <paramref name="trainData"/>, as ML.NET's trainers that continue training do
    /// (<c>LbfgsLogisticRegressionBinaryTrainer.Fit(IDataView, LinearModelParameters)</c>).
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
    /// changes a network's shape), and the feature column's size equal to the model's input size. A multiclass or regression network is refused, even one with a single output.</para>
    /// </remarks>
    /// <param name="trainData">Training data with the label and feature columns.</param>
    /// <param name="modelParameters">The trained binary network to continue from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> or <paramref name="modelParameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="modelParameters"/> does not match: it is not a binary
    /// network, or its feature count, hidden layer sizes, batch normalization, epsilon or placement differ from the data's or the
    /// options'; the message names the column or option and both values.</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronBinaryPredictionTransformer Fit(IDataView trainData, MultilayerPerceptronModelParameters modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        return FitCore(trainData, null, modelParameters);
    }

    private MultilayerPerceptronBinaryPredictionTransformer FitCore(IDataView trainData, IDataView? validationData,
        MultilayerPerceptronModelParameters? initialModel)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        _options.CancellationToken.ThrowIfCancellationRequested();
        int featureCount = CheckColumns(trainData.Schema, nameof(trainData));
        if (initialModel is not null)
            MultilayerPerceptronFitting.CheckInitialModel(_options, initialModel, featureCount, 1, TrainedLabel.Binary, "modelParameters");
        var train = TrainingData.ReadBooleans(trainData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, "Training");
        int positives = train.Labels.Count(l => l == 1);
        if (train.RowCount > 0 && (positives == 0 || positives == train.RowCount))
            throw new InvalidOperationException(
                $"Training data: label column '{_options.LabelColumnName}' is {(positives == 0 ? "false" : "true")} in all {train.RowCount} rows; " +
                "binary classification needs rows of both classes (true and false). Check the label column, and the filter or split that produced the data.");
        TrainingData? validation = null;
        if (validationData is not null)
        {
            int validationFeatures = CheckColumns(validationData.Schema, nameof(validationData));
            if (validationFeatures != featureCount)
                throw new ArgumentOutOfRangeException(nameof(validationData),
                    $"Validation data has {validationFeatures} features; the training data has {featureCount}.");
            validation = TrainingData.ReadBooleans(validationData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, "Validation");
        }
        var model = MultilayerPerceptronFitting.Train(_options, train, validation, featureCount, outputCount: 1,
            MlpLossKind.SigmoidCrossEntropy, 1f, TrainedLabel.Binary, initialModel);
        return new MultilayerPerceptronBinaryPredictionTransformer(model, _options.FeatureColumnName);
    }

    private int CheckColumns(DataViewSchema schema, string paramName)
    {
        var label = MultilayerPerceptronFitting.FindLabel(schema, _options, paramName);
        if (label.Type is not BooleanDataViewType)
            throw SchemaChecks.WrongType(paramName, "Label", label.Name, BooleanLabelAdvice(label.Name), label.Type.ToString() ?? "");
        return MultilayerPerceptronFitting.CheckFeatures(schema, _options, paramName);
    }

    private static string BooleanLabelAdvice(string name) =>
        $"Boolean (true for the positive class), as ML.NET's binary trainers expect. Convert it first: a 0/1 number column " +
        $"with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Boolean) (0 is false, any other " +
        $"number true); text or other values with a comparison, e.g. mlContext.Transforms.Expression(\"{name}\", " +
        $"\"x : x == \\\"yes\\\"\", \"{name}\"). For more than two classes use mlContext.MulticlassClassification.Trainers.MultilayerPerceptron";

    /// <summary>
    /// Schema propagation: adds <c>Score</c> and <c>Probability</c> (Single) and <c>PredictedLabel</c> (Boolean), with
    /// the annotations of ML.NET's binary scorer.
    /// </summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label is missing or not Boolean, or the features are missing
    /// or not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = MultilayerPerceptronFitting.FindLabel(inputSchema, _options, nameof(inputSchema));
        if (label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType is not BooleanDataViewType)
            throw SchemaChecks.WrongType(nameof(inputSchema), "Label", label.Name, BooleanLabelAdvice(label.Name), SchemaChecks.Describe(label));
        MultilayerPerceptronFitting.CheckFeatures(inputSchema, _options, nameof(inputSchema));
        // SchemaShape.Column has no public constructor: a built-in calibrated binary trainer promises exactly these
        // columns (its GetOutputSchema checks the shape only; nothing is trained).
        return ShapeSource.MLContext.BinaryClassification.Trainers
            .LbfgsLogisticRegression(_options.LabelColumnName, _options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }
}
