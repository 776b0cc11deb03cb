using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Multiclass trainer of a multilayer perceptron: for each hidden layer, dense (no bias) -> batch normalization
/// (Ioffe and Szegedy 2015, Algorithm 1 in training, running averages for inference) -> ReLU; then dense -> softmax,
/// trained on softmax cross-entropy with shuffled mini-batches and backpropagation through the batch statistics
/// (paper section 3). Create it with <c>mlContext.MulticlassClassification.Trainers.MultilayerPerceptron(...)</c>.
/// </summary>
/// <remarks>
/// <para>Input: a label column of type <c>Key&lt;UInt32&gt;</c> (use <c>MapValueToKey</c>) with at least 2 classes, and a
/// known-size vector of <see cref="float"/> features. Output, with the names, types, order and annotations of ML.NET's
/// multiclass trainers (LbfgsMaximumEntropy, SdcaMaximumEntropy): <c>PredictedLabel</c>, a <c>Key&lt;UInt32, K&gt;</c>
/// carrying the label's key values, and <c>Score</c>, a vector of the K class probabilities (key value k is at
/// index k - 1) carrying them as <c>TrainingLabelValues</c> (and <c>SlotNames</c> when they are text), so
/// <c>Evaluate</c>, <c>MapKeyToValue</c>, <c>PredictionEngine</c> and tools reading the scorer's annotations work.</para>
/// <para>Running statistics follow PyTorch's momentum convention:
/// <c>running = (1 - momentum) * running + momentum * batch</c> (default 0.1), the running variance from the unbiased
/// batch variance. A trailing mini-batch of one row is merged into the previous one.</para>
/// <para>Saving: plain <c>mlContext.Model.Save</c> needs the companion package BatchNormExtensions.ML.Onnx (see
/// <see cref="MultilayerPerceptronPredictionTransformer"/>); <c>mlContext.Model.SaveWithNetworks</c> and
/// <c>mlContext.Model.LoadWithNetworks</c> need no companion.</para>
/// <para>Missing values at prediction: a row with a NaN feature is scored as ML.NET's linear multiclass trainers
/// (LbfgsMaximumEntropy, SdcaMaximumEntropy, SdcaNonCalibrated, OneVersusAll of linear models) score it, the NaN
/// going through their dot products: <c>Score</c> is NaN for every class and <c>PredictedLabel</c> is key 0, ML.NET's
/// missing key (ML.NET's multiclass scorer takes the arg-max of the Score ignoring NaN, and an all-NaN Score has
/// none). Nothing is thrown or logged, in cursors and prediction engines alike, and the other rows keep exactly the
/// scores they have without that row. <c>MapKeyToValue</c> turns key 0 into the label type's missing value: an empty
/// string for text labels, NaN for Single labels, 0 for integer labels (where 0 may also be a class).
/// <c>Evaluate</c> leaves rows with a NaN Score out of the metrics, also without a word. (LightGbm's trees, which send
/// a missing value down a branch, give such rows a class, and so does NaiveBayes, which counts a NaN as a present
/// feature; a network has neither.) An infinite feature is not a missing value: it goes through the network, and
/// where the arithmetic gives NaN (infinity minus infinity, as it usually does) the row gets the NaN Score and key 0
/// as well. To get a class for such rows, replace the missing values in the pipeline, before the trainer, so that
/// training and prediction replace them alike: <c>mlContext.Transforms.ReplaceMissingValues("Features",
/// replacementMode: ReplacementMode.Mean)</c> puts each slot's mean over the training data in place of a NaN (the
/// default mode puts 0). To drop the rows instead, use <c>mlContext.Data.FilterRowsByMissingValues(data,
/// "Features")</c>.</para>
/// <para>Missing values at training: a NaN or infinite feature in the training or validation data throws
/// <see cref="InvalidOperationException"/> naming the row and the slot. (ML.NET's own multiclass trainers skip such
/// rows instead: LbfgsMaximumEntropy and SdcaMaximumEntropy with a warning in the <c>MLContext.Log</c>, NaiveBayes
/// silently; LightGbm trains on them as missing values.) Replace or filter them first, as above.</para>
/// </remarks>
public sealed class MultilayerPerceptronTrainer : IEstimator<MultilayerPerceptronPredictionTransformer>
{
    /// <summary>Options of <see cref="MultilayerPerceptronTrainer"/>: those shared by the MultilayerPerceptron
    /// trainers (<see cref="MultilayerPerceptronOptions"/>); the label is a key type with at least 2 values.</summary>
    public sealed class Options : MultilayerPerceptronOptions
    {
    }

    private readonly Options _options;

    /// <summary>Creates the trainer. Prefer the catalog method.</summary>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public MultilayerPerceptronTrainer(Options options)
    {
        MultilayerPerceptronFitting.Validate(options);
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> (holding out <see cref="MultilayerPerceptronOptions.ValidationFraction"/> of it, if set).</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label column is missing or not a key of UInt32 with at least 2
    /// values, or the feature column is missing or not a known-size vector of Single.</exception>
    /// <exception cref="InvalidOperationException">Fewer than 2 rows, a missing label, a non-finite feature (the
    /// message names the row), or training diverged (the loss became NaN or infinite).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronPredictionTransformer Fit(IDataView input) => FitCore(input, null, null);

    /// <summary>Trains on <paramref name="trainData"/>, reporting validation figures (and early stopping) on <paramref name="validationData"/>.</summary>
    /// <param name="trainData">Training data.</param>
    /// <param name="validationData">Validation data with the same columns, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled, before or during training; no model is returned.</exception>
    public MultilayerPerceptronPredictionTransformer Fit(IDataView trainData, IDataView? validationData) =>
        FitCore(trainData, validationData, null);

    /// <summary>
    /// Fine-tuning: continues training from <paramref name="modelParameters"/> (a trained multiclass network, e.g.
    /// <c>transformer.Model</c>) for <see cref="MultilayerPerceptronOptions.NumberOfEpochs"/> epochs on
    /// <paramref name="trainData"/>, as ML.NET's trainers that continue training do
    /// (<c>LbfgsMaximumEntropyMulticlassTrainer.Fit(IDataView, MaximumEntropyModelParameters)</c>).
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
    /// changes a network's shape), the feature column's size equal to the model's input size, and the label's classes
    /// those of the model: the same number and, when the model's training label had key values, the same key values in
    /// the same order (a label mapped by a different <c>MapValueToKey</c> would silently swap classes).</para>
    /// </remarks>
    /// <param name="trainData">Training data with the label and feature columns.</param>
    /// <param name="modelParameters">The trained multiclass network to continue from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="trainData"/> or <paramref name="modelParameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="modelParameters"/> does not match: it is not a multiclass
    /// network, or its feature count, classes (count or key values), hidden layer sizes, batch normalization, epsilon or placement
    /// differ from the data's or the options'; the message names the column or option and both values.</exception>
    /// <exception cref="InvalidOperationException">Bad data or a diverged training (see <see cref="Fit(IDataView)"/>).</exception>
    /// <exception cref="OperationCanceledException">The options' <see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled; no model is returned.</exception>
    public MultilayerPerceptronPredictionTransformer Fit(IDataView trainData, MultilayerPerceptronModelParameters modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        return FitCore(trainData, null, modelParameters);
    }

    private MultilayerPerceptronPredictionTransformer FitCore(IDataView trainData, IDataView? validationData,
        MultilayerPerceptronModelParameters? initialModel)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        _options.CancellationToken.ThrowIfCancellationRequested();
        var (labelType, featureCount) = CheckColumns(trainData.Schema, nameof(trainData));
        int classCount = checked((int)labelType.Count);
        var labelKeyValues = LabelKeyValues.From(trainData.Schema[_options.LabelColumnName].Annotations);
        var label = TrainedLabel.Multiclass(labelKeyValues);
        if (initialModel is not null)
            MultilayerPerceptronFitting.CheckInitialModel(_options, initialModel, featureCount, classCount, label, "modelParameters");
        var train = TrainingData.ReadKeys(trainData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, classCount, "Training");
        TrainingData? validation = null;
        if (validationData is not null)
        {
            var (validationLabelType, validationFeatures) = CheckColumns(validationData.Schema, nameof(validationData));
            if (validationFeatures != featureCount || validationLabelType.Count != labelType.Count)
                throw new ArgumentOutOfRangeException(nameof(validationData),
                    $"Validation data has {validationFeatures} features and {validationLabelType.Count} classes; the training data has {featureCount} and {classCount}.");
            validation = TrainingData.ReadKeys(validationData, _options.LabelColumnName, _options.FeatureColumnName, featureCount, classCount, "Validation");
        }
        var model = MultilayerPerceptronFitting.Train(_options, train, validation, featureCount, classCount,
            MlpLossKind.SoftmaxCrossEntropy, 1f, label, initialModel);
        return new MultilayerPerceptronPredictionTransformer(model, _options.FeatureColumnName, labelType, labelKeyValues);
    }

    private (KeyDataViewType LabelType, int FeatureCount) CheckColumns(DataViewSchema schema, string paramName)
    {
        var label = MultilayerPerceptronFitting.FindLabel(schema, _options, paramName);
        if (label.Type is not KeyDataViewType labelType)
            throw SchemaChecks.WrongType(paramName, "Label", label.Name,
                "a key type (convert it with mlContext.Transforms.Conversion.MapValueToKey)", label.Type.ToString() ?? "");
        if (labelType.RawType != typeof(uint))
            throw SchemaChecks.WrongType(paramName, "Label", label.Name, UInt32KeyAdvice(label.Name), label.Type.ToString() ?? "");
        if (labelType.Count < 2 || labelType.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(paramName,
                $"Label column '{label.Name}' has {labelType.Count} class(es); a classifier needs at least 2.");
        return (labelType, MultilayerPerceptronFitting.CheckFeatures(schema, _options, paramName));
    }

    // ML.NET's multiclass trainers and scorer use keys of UInt32 only (PredictedLabel is always Key<UInt32, K>).
    private static string UInt32KeyAdvice(string name) =>
        $"a key of UInt32, as ML.NET's multiclass trainers (convert it with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.UInt32), which keeps the key count)";

    /// <summary>
    /// Schema propagation: adds <c>PredictedLabel</c> (a key of UInt32 with the label's key values) and <c>Score</c> (a
    /// vector of Single), with the annotations ML.NET's multiclass trainers promise.
    /// </summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inputSchema"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label is missing or not a key of UInt32, or the features are
    /// missing or not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = MultilayerPerceptronFitting.FindLabel(inputSchema, _options, nameof(inputSchema));
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaChecks.WrongType(nameof(inputSchema), "Label", label.Name,
                "a key type (convert it with mlContext.Transforms.Conversion.MapValueToKey)", SchemaChecks.Describe(label));
        if (label.ItemType.RawType != typeof(uint))
            throw SchemaChecks.WrongType(nameof(inputSchema), "Label", label.Name, UInt32KeyAdvice(label.Name), SchemaChecks.Describe(label));
        MultilayerPerceptronFitting.CheckFeatures(inputSchema, _options, nameof(inputSchema));
        // SchemaShape.Column has no public constructor: a built-in multiclass trainer promises exactly these columns
        // (its GetOutputSchema checks the shape only; nothing is trained).
        return ShapeSource.MLContext.MulticlassClassification.Trainers
            .LbfgsMaximumEntropy(_options.LabelColumnName, _options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }
}
