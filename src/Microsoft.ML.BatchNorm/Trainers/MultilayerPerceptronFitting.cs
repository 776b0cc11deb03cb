using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// What the three MultilayerPerceptron trainers share: option checks, the settings of the network core, the feature
/// and label column look-ups, the validation split, training with history and progress. Only the label's reading,
/// the output layer's size and the loss differ between them.
/// </summary>
internal static class MultilayerPerceptronFitting
{
    /// <summary>Checks every shared option.</summary>
    /// <exception cref="ArgumentNullException">The options or a column name is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static void Validate(MultilayerPerceptronOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.LabelColumnName, nameof(options.LabelColumnName));
        ArgumentException.ThrowIfNullOrEmpty(options.FeatureColumnName, nameof(options.FeatureColumnName));
        ArgumentNullException.ThrowIfNull(options.HiddenLayerSizes, nameof(options.HiddenLayerSizes));
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(options.ValidationFraction), options.ValidationFraction,
                "ValidationFraction must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(options.EarlyStoppingPatience, nameof(options.EarlyStoppingPatience));
        if (!Enum.IsDefined(options.Initialization))
            throw new ArgumentOutOfRangeException(nameof(options.Initialization), options.Initialization, "Unknown initialization.");
        if (!Enum.IsDefined(options.BatchNormalizationPlacement))
            throw new ArgumentOutOfRangeException(nameof(options.BatchNormalizationPlacement), options.BatchNormalizationPlacement, "Unknown batch-normalization placement.");
        if (!Enum.IsDefined(options.InferenceStatistics))
            throw new ArgumentOutOfRangeException(nameof(options.InferenceStatistics), options.InferenceStatistics, "Unknown inference statistics.");
        if (!Enum.IsDefined(options.Optimizer))
            throw new ArgumentOutOfRangeException(nameof(options.Optimizer), options.Optimizer, "Unknown optimizer.");
        if (!Enum.IsDefined(options.BatchNormalizationFreezing))
            throw new ArgumentOutOfRangeException(nameof(options.BatchNormalizationFreezing), options.BatchNormalizationFreezing, "Unknown batch-normalization freezing.");
        if (options.BatchNormalizationFreezing != MultilayerPerceptronBatchNormalizationFreezing.None
            && options.InferenceStatistics == MultilayerPerceptronInferenceStatistics.Population)
            throw new ArgumentOutOfRangeException(nameof(options.InferenceStatistics), options.InferenceStatistics,
                $"InferenceStatistics = Population recomputes the statistics that BatchNormalizationFreezing = {options.BatchNormalizationFreezing} keeps fixed; use RunningAverages.");
        ArgumentOutOfRangeException.ThrowIfNegative(options.InferenceGapSampleSize, nameof(options.InferenceGapSampleSize));
        ToSettings(options, MlpLossKind.SoftmaxCrossEntropy, 1f).Validate();
    }

    public static MlpTrainingSettings ToSettings(MultilayerPerceptronOptions options, MlpLossKind loss, float huberDelta) => new()
    {
        HiddenSizes = options.HiddenLayerSizes.ToArray(),
        UseBatchNormalization = options.UseBatchNormalization,
        BatchNormPlacement = options.BatchNormalizationPlacement == MultilayerPerceptronBatchNormalizationPlacement.AfterActivation
            ? MlpBatchNormPlacement.AfterActivation : MlpBatchNormPlacement.BeforeActivation,
        Epochs = options.NumberOfEpochs,
        BatchSize = options.BatchSize,
        Optimizer = options.Optimizer == MultilayerPerceptronOptimizer.Adam ? MlpOptimizerKind.Adam : MlpOptimizerKind.SgdMomentum,
        LearningRate = options.LearningRate,
        SgdMomentum = options.Momentum,
        L2Regularization = options.L2Regularization,
        BatchNormEpsilon = options.BatchNormalizationEpsilon,
        BatchNormMomentum = options.BatchNormalizationMomentum,
        Seed = options.Seed,
        EarlyStoppingPatience = options.EarlyStoppingPatience,
        Loss = loss,
        HuberDelta = huberDelta,
        Initialization = ToNumerics(options.Initialization),
        InitialWeightScale = options.InitialWeightScale,
        BatchRenormalization = options.BatchRenormalization is { } renormalization ? new MlpBatchRenormalization
        {
            RMax = renormalization.RMax,
            DMax = renormalization.DMax,
            WarmUpSteps = renormalization.WarmUpSteps,
            RMaxRelaxationSteps = renormalization.RMaxRelaxationSteps,
            DMaxRelaxationSteps = renormalization.DMaxRelaxationSteps,
            Momentum = renormalization.Momentum,
        } : null,
        VirtualBatchSize = options.VirtualBatchSize,
        InferenceStatistics = options.InferenceStatistics == MultilayerPerceptronInferenceStatistics.Population
            ? MlpInferenceStatistics.Population : MlpInferenceStatistics.RunningAverages,
        BatchNormFreezing = options.BatchNormalizationFreezing switch
        {
            MultilayerPerceptronBatchNormalizationFreezing.Statistics => MlpBatchNormFreezing.Statistics,
            MultilayerPerceptronBatchNormalizationFreezing.StatisticsAndAffine => MlpBatchNormFreezing.StatisticsAndAffine,
            _ => MlpBatchNormFreezing.None,
        },
        InferenceGapSampleRows = options.InferenceGapSampleSize,
    };

    /// <summary>The numerics' name of a public initialization choice.</summary>
    internal static MlpInitialization ToNumerics(MultilayerPerceptronInitialization initialization) => initialization switch
    {
        MultilayerPerceptronInitialization.PyTorchUniform => MlpInitialization.PyTorchUniform,
        MultilayerPerceptronInitialization.GlorotUniform => MlpInitialization.GlorotUniform,
        _ => MlpInitialization.HeNormal,
    };

    /// <summary>The label column of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing; the message lists the columns.</exception>
    public static DataViewSchema.Column FindLabel(DataViewSchema schema, MultilayerPerceptronOptions options, string paramName) =>
        schema.GetColumnOrNull(options.LabelColumnName)
            ?? throw SchemaChecks.MissingColumn(paramName, "Label", options.LabelColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    /// <summary>The label column of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing; the message lists the columns.</exception>
    public static SchemaShape.Column FindLabel(SchemaShape shape, MultilayerPerceptronOptions options, string paramName) =>
        SchemaChecks.FindColumn(shape, options.LabelColumnName)
            ?? throw SchemaChecks.MissingColumn(paramName, "Label", options.LabelColumnName, shape.Select(c => c.Name));

    /// <summary>The feature column's size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not a known-size vector of Single.</exception>
    public static int CheckFeatures(DataViewSchema schema, MultilayerPerceptronOptions options, string paramName)
    {
        var features = schema.GetColumnOrNull(options.FeatureColumnName)
            ?? throw SchemaChecks.MissingColumn(paramName, "Feature", options.FeatureColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (features.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType.RawType != typeof(float))
            throw SchemaChecks.WrongType(paramName, "Feature", features.Name, "a known-size vector of Single", features.Type.ToString() ?? "");
        return vector.Size;
    }

    /// <summary>The feature column of a schema shape.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not a vector of Single.</exception>
    public static SchemaShape.Column CheckFeatures(SchemaShape shape, MultilayerPerceptronOptions options, string paramName)
    {
        var features = SchemaChecks.FindColumn(shape, options.FeatureColumnName)
            ?? throw SchemaChecks.MissingColumn(paramName, "Feature", options.FeatureColumnName, shape.Select(c => c.Name));
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.IsKey || features.ItemType.RawType != typeof(float))
            throw SchemaChecks.WrongType(paramName, "Feature", features.Name, "a known-size vector of Single", SchemaChecks.Describe(features));
        return features;
    }

    /// <summary>
    /// Trains the network on <paramref name="train"/> (holding out <see cref="MultilayerPerceptronOptions.ValidationFraction"/>
    /// of it when <paramref name="validation"/> is null), collecting the history and reporting progress.
    /// </summary>
    /// <remarks>Fine-tuning: <c>initialModel</c> is the model to continue from (checked with <see cref="CheckInitialModel"/>
    /// first; its network is copied, never changed), or null for a fresh network. <c>label</c> is kept with the model.</remarks>
    /// <exception cref="InvalidOperationException">Too few rows, training diverged, or BatchNormalizationFreezing
    /// without an initial model.</exception>
    /// <exception cref="OperationCanceledException"><see cref="MultilayerPerceptronOptions.CancellationToken"/> was cancelled.</exception>
    public static MultilayerPerceptronModelParameters Train(MultilayerPerceptronOptions options, TrainingData train,
        TrainingData? validation, int featureCount, int outputCount, MlpLossKind loss, float huberDelta, TrainedLabel label,
        MultilayerPerceptronModelParameters? initialModel = null)
    {
        options.CancellationToken.ThrowIfCancellationRequested();
        if (initialModel is null && options.BatchNormalizationFreezing != MultilayerPerceptronBatchNormalizationFreezing.None)
            throw new InvalidOperationException(
                $"BatchNormalizationFreezing = {options.BatchNormalizationFreezing} freezes the batch-norm layers of a trained network: it needs " +
                "Fit(trainData, modelParameters) with the model to fine-tune (e.g. transformer.Model). A fresh network has no statistics worth freezing; set it to None.");
        if (train.RowCount < 2)
            throw new InvalidOperationException($"MultilayerPerceptron needs at least 2 training rows; the data has {train.RowCount}.");
        if (validation is null && options.ValidationFraction > 0)
        {
            if (train.RowCount < 3)
                throw new InvalidOperationException($"ValidationFraction needs at least 3 rows; the data has {train.RowCount}.");
            (train, validation) = train.Split(options.ValidationFraction, options.Seed, featureCount);
        }

        var history = new List<MultilayerPerceptronEpoch>();
        var result = MlpTrainer.Train(train.Features, train.Labels, train.Targets, train.RowCount, featureCount, outputCount,
            validation is null ? null : new MlpValidationData(validation.Features, validation.Labels, validation.Targets, validation.RowCount),
            ToSettings(options, loss, huberDelta),
            summary =>
            {
                var epoch = new MultilayerPerceptronEpoch(summary);
                history.Add(epoch);
                options.Progress?.Report(epoch);
            },
            options.CancellationToken,
            options.BatchProgress is { } batchProgress ? progress => batchProgress.Report(new MultilayerPerceptronBatchProgress(progress)) : null,
            initialModel?.Network);
        return new MultilayerPerceptronModelParameters(result.Network, history, label);
    }

    /// <summary>
    /// Checks that <paramref name="model"/> can be fine-tuned by a trainer of <paramref name="label"/>'s task with these
    /// options on data of <paramref name="featureCount"/> features: the same task (and, for multiclass, the same
    /// classes), and the layers the options describe.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">A mismatch; the message names the option or column and both values.</exception>
    public static void CheckInitialModel(MultilayerPerceptronOptions options, MultilayerPerceptronModelParameters model,
        int featureCount, int outputCount, TrainedLabel label, string paramName)
    {
        ArgumentNullException.ThrowIfNull(model, paramName);
        if (model.Label.Task != label.Task)
            throw new ArgumentException($"The model is a {model.Label.Task} network; this trainer fine-tunes {label.Task} networks.", paramName);
        if (model.InputSize != featureCount)
            throw new ArgumentException(
                $"The model takes {model.InputSize} features; feature column '{options.FeatureColumnName}' has {featureCount}.", paramName);
        if (model.ClassCount != outputCount)
            throw new ArgumentException(
                $"The model scores {model.ClassCount} classes; label column '{options.LabelColumnName}' has {outputCount}.", paramName);
        if (model.Label.KeyValues is { } trained)
        {
            if (label.KeyValues is not { } current)
                throw new ArgumentException(
                    $"The model's classes are the key values [{Preview(trained.Values)}]; label column '{options.LabelColumnName}' has no key values, " +
                    "so its classes cannot be matched with them. Map the label with the same MapValueToKey as the model's training data.", paramName);
            if (current.ItemType != trained.ItemType || !current.Values.AsSpan().SequenceEqual(trained.Values))
            {
                int at = 0;
                while (at < Math.Min(current.Values.Length, trained.Values.Length) && current.Values[at] == trained.Values[at]) at++;
                throw new ArgumentException(
                    $"Label column '{options.LabelColumnName}' numbers its classes differently from the model: key {at + 1} is " +
                    $"'{(at < current.Values.Length ? current.Values[at] : "")}' ({current.ItemType}) in the data and '{(at < trained.Values.Length ? trained.Values[at] : "")}' " +
                    $"({trained.ItemType}) in the model. Map the label with the same MapValueToKey as the model's training data " +
                    "(e.g. keyOrdinality: ByValue, or the fitted transformer).", paramName);
            }
        }
        IReadOnlyList<MultilayerPerceptronLayer> layers = model.Layers;
        int[] hidden = layers.Take(layers.Count - 1).Select(l => l.OutputSize).ToArray();
        if (!hidden.AsSpan().SequenceEqual(options.HiddenLayerSizes))
            throw new ArgumentException(
                $"The model's hidden layers are [{string.Join(", ", hidden)}]; HiddenLayerSizes is [{string.Join(", ", options.HiddenLayerSizes)}]. " +
                "Fine-tuning keeps the model's layers: set HiddenLayerSizes to the model's.", paramName);
        if (hidden.Length > 0 && model.UsesBatchNormalization != options.UseBatchNormalization)
            throw new ArgumentException(
                $"The model {(model.UsesBatchNormalization ? "has" : "has no")} batch normalization; UseBatchNormalization is {options.UseBatchNormalization}.", paramName);
        for (int l = 0; l < hidden.Length; l++)
            if (layers[l].HasBatchNormalization && layers[l].BatchNormalizationEpsilon != options.BatchNormalizationEpsilon)
                throw new ArgumentException(
                    $"Hidden layer {l} of the model has batch-norm epsilon {layers[l].BatchNormalizationEpsilon:R}; BatchNormalizationEpsilon is {options.BatchNormalizationEpsilon:R}.", paramName);
    }

    private static string Preview(string[] values) =>
        string.Join(", ", values.Take(5)) + (values.Length > 5 ? $", ... ({values.Length} in all)" : "");
}
