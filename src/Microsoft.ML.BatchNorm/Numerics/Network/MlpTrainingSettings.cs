namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Hyper-parameters of <c>MlpTrainer.Train</c>: the shape of the network (dense -> batch norm -> ReLU per hidden
/// layer, or dense -> ReLU -> batch norm, then a dense output layer), the loss, the initialization, the optimizer and the mini-batch loop. <see cref="Validate"/> checks them all.
/// </summary>
internal sealed class MlpTrainingSettings
{
    /// <summary>Widths of the hidden layers, input side first. Default {256, 128}; may be empty (softmax regression).</summary>
    public int[] HiddenSizes { get; set; } = [256, 128];

    /// <summary>
    /// Whether each hidden layer is followed by batch normalization (Ioffe and Szegedy 2015). When on, the hidden dense
    /// layers have no bias: beta plays its role (paper section 3.2). Default true.
    /// </summary>
    public bool UseBatchNormalization { get; set; } = true;

    /// <summary>
    /// Where the hidden layers' batch normalization sits. Default <see cref="MlpBatchNormPlacement.BeforeActivation"/>
    /// (dense without bias -> BN -> ReLU, the paper's section 3.2); <see cref="MlpBatchNormPlacement.AfterActivation"/>
    /// gives dense with bias -> ReLU -> BN. Ignored without batch normalization.
    /// </summary>
    public MlpBatchNormPlacement BatchNormPlacement { get; set; } = MlpBatchNormPlacement.BeforeActivation;

    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>
    /// Rows per mini-batch. Default 32. A trailing mini-batch of a single row is merged into the previous one (which
    /// then has BatchSize + 1 rows), because training-mode batch normalization cannot form statistics from one row.
    /// </summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The optimizer. Default <see cref="MlpOptimizerKind.Adam"/>.</summary>
    public MlpOptimizerKind Optimizer { get; set; } = MlpOptimizerKind.Adam;

    /// <summary>Step size of either optimizer. Default 1e-3.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Momentum mu of <see cref="MlpOptimizerKind.SgdMomentum"/>, in [0, 1). Default 0.9.</summary>
    public float SgdMomentum { get; set; } = 0.9f;

    /// <summary>Adam's beta1 (first-moment decay), in [0, 1). Default 0.9.</summary>
    public float AdamBeta1 { get; set; } = 0.9f;

    /// <summary>Adam's beta2 (second-moment decay), in [0, 1). Default 0.999.</summary>
    public float AdamBeta2 { get; set; } = 0.999f;

    /// <summary>Adam's epsilon, added to the square root of the second moment. Default 1e-8.</summary>
    public float AdamEpsilon { get; set; } = 1e-8f;

    /// <summary>
    /// Coefficient lambda of L2 regularization, coupled: lambda * w is added to the gradient of every dense weight
    /// (the gradient of lambda/2 * ||W||^2) before the optimizer step. Biases, gamma and beta are not decayed. The
    /// reported losses do not include the penalty. Default 0.
    /// </summary>
    public float L2Regularization { get; set; }

    /// <summary>Epsilon added to the variance in batch normalization. Default 1e-5 (PyTorch's).</summary>
    public float BatchNormEpsilon { get; set; } = 1e-5f;

    /// <summary>
    /// Momentum of the running statistics, PyTorch convention: running = (1 - m) * running + m * batch. Default 0.1.
    /// </summary>
    public float BatchNormMomentum { get; set; } = 0.1f;

    /// <summary>
    /// The inference statistics of the batch-norm layers. Default <see cref="MlpInferenceStatistics.RunningAverages"/>
    /// (the running averages of <see cref="BatchNormMomentum"/>); <see cref="MlpInferenceStatistics.Population"/>
    /// replaces them after training with Algorithm 2's population statistics (<see cref="MlpPopulationStatistics"/>).
    /// </summary>
    public MlpInferenceStatistics InferenceStatistics { get; set; } = MlpInferenceStatistics.RunningAverages;

    /// <summary>
    /// Batch Renormalization (Ioffe 2017, arXiv:1702.03275) in the training-mode forward of the batch-norm layers, or
    /// null (default) for plain batch normalization. Needs <see cref="UseBatchNormalization"/>. See
    /// <see cref="MlpBatchNormTraining"/>.
    /// </summary>
    public MlpBatchRenormalization? BatchRenormalization { get; set; }

    /// <summary>
    /// Ghost batch normalization (Hoffer et al. 2017, arXiv:1705.08741): the batch statistics of training are taken
    /// over virtual batches of this many consecutive rows of each mini-batch, in [2, <see cref="BatchSize"/>]; null
    /// (default) for the whole mini-batch. Needs <see cref="UseBatchNormalization"/>. See <see cref="MlpBatchNormTraining"/>.
    /// </summary>
    public int? VirtualBatchSize { get; set; }

    /// <summary>The loss, which fixes the task (multiclass, binary, regression). Default softmax cross-entropy.</summary>
    public MlpLossKind Loss { get; set; } = MlpLossKind.SoftmaxCrossEntropy;

    /// <summary>Threshold delta of <see cref="MlpLossKind.Huber"/>, finite and positive. Default 1 (PyTorch's).</summary>
    public float HuberDelta { get; set; } = 1f;

    /// <summary>How the weights are drawn. Default He normal.</summary>
    public MlpInitialization Initialization { get; set; } = MlpInitialization.HeNormal;

    /// <summary>Seed of the initialization and of the per-epoch shuffles. Same seed and data give identical weights.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Epochs without improvement of the validation loss after which training stops; the parameters of the best
    /// epoch are then restored. 0 (default) turns early stopping off. Needs validation data when positive.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Factor on every dense layer's initial weights, as <see cref="Initialization"/> draws them (biases are not
    /// scaled). Default 1. Other values are for experiments on the sensitivity to the initial scale.
    /// </summary>
    public float InitialWeightScale { get; set; } = 1f;

    /// <summary>
    /// Least time between two in-epoch progress reports of <c>MlpTrainer.Train</c> (the report after an
    /// epoch's last mini-batch is always made). Default 100 ms; zero reports after every mini-batch.
    /// </summary>
    public TimeSpan BatchProgressInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// What stays fixed in the batch-norm layers while training (meant for fine-tuning a trained network). Default
    /// <see cref="MlpBatchNormFreezing.None"/>. Not with <see cref="MlpInferenceStatistics.Population"/>, which would
    /// replace the frozen statistics.
    /// </summary>
    public MlpBatchNormFreezing BatchNormFreezing { get; set; }

    /// <summary>
    /// Rows of the fixed training sample on which each epoch's train/inference gap is measured
    /// (<see cref="MlpInferenceGapMonitor"/>); at least 0. Default 1024; 0 turns the diagnostic off. Smaller training
    /// sets use all their rows.
    /// </summary>
    public int InferenceGapSampleRows { get; set; } = MlpInferenceGapMonitor.DefaultSampleRows;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentNullException"><see cref="HiddenSizes"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A setting is out of range; the exception's parameter name is the setting's name: Epochs &lt; 1; BatchSize &lt; 1
    /// (or &lt; 2 with batch normalization, which needs two rows for batch statistics); a hidden size &lt; 1;
    /// LearningRate not finite or &lt;= 0; SgdMomentum, AdamBeta1 or AdamBeta2 outside [0, 1); L2Regularization
    /// negative or not finite; AdamEpsilon or BatchNormEpsilon not finite or &lt;= 0; BatchNormMomentum outside [0, 1];
    /// EarlyStoppingPatience negative; an unknown BatchNormPlacement or InferenceStatistics; HuberDelta not finite or &lt;= 0; an unknown Loss or Initialization;
    /// InitialWeightScale not finite or &lt;= 0; BatchProgressInterval negative; VirtualBatchSize outside [2, BatchSize]; a
    /// BatchRenormalization setting out of range (the name is then <c>BatchRenormalization.RMax</c> and so on);
    /// BatchRenormalization or VirtualBatchSize set without batch normalization; an unknown BatchNormFreezing, or
    /// BatchNormFreezing with Population inference statistics, with BatchRenormalization or with VirtualBatchSize;
    /// InferenceGapSampleRows negative.
    /// </exception>
    public void Validate()
    {
        if (HiddenSizes is null)
            throw new ArgumentNullException(nameof(HiddenSizes), "HiddenSizes must not be null (use an empty array for no hidden layer).");
        for (int i = 0; i < HiddenSizes.Length; i++)
            if (HiddenSizes[i] < 1)
                throw new ArgumentOutOfRangeException(nameof(HiddenSizes), HiddenSizes[i], $"HiddenSizes[{i}] must be at least 1.");
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (UseBatchNormalization && BatchSize < 2)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize,
                "BatchSize must be at least 2 with batch normalization: batch statistics need two rows.");
        if (!float.IsFinite(LearningRate) || LearningRate <= 0f)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be finite and positive.");
        CheckUnitInterval(SgdMomentum, nameof(SgdMomentum));
        CheckUnitInterval(AdamBeta1, nameof(AdamBeta1));
        CheckUnitInterval(AdamBeta2, nameof(AdamBeta2));
        CheckPositive(AdamEpsilon, nameof(AdamEpsilon));
        if (!float.IsFinite(L2Regularization) || L2Regularization < 0f)
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "L2Regularization must be finite and non-negative.");
        CheckPositive(BatchNormEpsilon, nameof(BatchNormEpsilon));
        if (!(BatchNormMomentum >= 0f && BatchNormMomentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(BatchNormMomentum), BatchNormMomentum, "BatchNormMomentum must be in [0, 1].");
        if (!Enum.IsDefined(BatchNormPlacement))
            throw new ArgumentOutOfRangeException(nameof(BatchNormPlacement), BatchNormPlacement, "Unknown batch-norm placement.");
        if (!Enum.IsDefined(InferenceStatistics))
            throw new ArgumentOutOfRangeException(nameof(InferenceStatistics), InferenceStatistics, "Unknown inference statistics.");
        if (!Enum.IsDefined(Loss))
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "Unknown loss.");
        CheckPositive(HuberDelta, nameof(HuberDelta));
        if (!Enum.IsDefined(Initialization))
            throw new ArgumentOutOfRangeException(nameof(Initialization), Initialization, "Unknown initialization.");
        if (EarlyStoppingPatience < 0)
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "EarlyStoppingPatience must be 0 (off) or positive.");
        CheckPositive(InitialWeightScale, nameof(InitialWeightScale));
        if (BatchProgressInterval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(BatchProgressInterval), BatchProgressInterval, "BatchProgressInterval must not be negative.");
        BatchRenormalization?.Validate(nameof(BatchRenormalization));
        if (VirtualBatchSize is int virtualBatchSize && (virtualBatchSize < 2 || virtualBatchSize > BatchSize))
            throw new ArgumentOutOfRangeException(nameof(VirtualBatchSize), virtualBatchSize,
                $"VirtualBatchSize must be null (the whole mini-batch) or in [2, BatchSize = {BatchSize}]: a virtual batch needs two rows for its statistics.");
        if (!UseBatchNormalization && BatchRenormalization is not null)
            throw new ArgumentOutOfRangeException(nameof(BatchRenormalization), "set",
                "BatchRenormalization must be null when UseBatchNormalization is false: it changes batch normalization, which is off.");
        if (!UseBatchNormalization && VirtualBatchSize is not null)
            throw new ArgumentOutOfRangeException(nameof(VirtualBatchSize), VirtualBatchSize,
                "VirtualBatchSize must be null when UseBatchNormalization is false: it changes batch normalization, which is off.");
        if (!Enum.IsDefined(BatchNormFreezing))
            throw new ArgumentOutOfRangeException(nameof(BatchNormFreezing), BatchNormFreezing, "Unknown batch-norm freezing.");
        if (BatchNormFreezing != MlpBatchNormFreezing.None && InferenceStatistics == MlpInferenceStatistics.Population)
            throw new ArgumentOutOfRangeException(nameof(InferenceStatistics), InferenceStatistics,
                $"InferenceStatistics = Population recomputes the statistics that BatchNormFreezing = {BatchNormFreezing} keeps fixed; use RunningAverages.");
        ArgumentOutOfRangeException.ThrowIfNegative(InferenceGapSampleRows, nameof(InferenceGapSampleRows));
        if (BatchNormFreezing != MlpBatchNormFreezing.None && BatchRenormalization is not null)
            throw new ArgumentOutOfRangeException(nameof(BatchRenormalization), "set",
                $"BatchRenormalization must be null with BatchNormFreezing = {BatchNormFreezing}: frozen statistics are not renormalized.");
        if (BatchNormFreezing != MlpBatchNormFreezing.None && VirtualBatchSize is not null)
            throw new ArgumentOutOfRangeException(nameof(VirtualBatchSize), VirtualBatchSize,
                $"VirtualBatchSize must be null with BatchNormFreezing = {BatchNormFreezing}: frozen layers use no batch statistics.");
    }

    private static void CheckUnitInterval(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
    }

    private static void CheckPositive(float value, string name)
    {
        if (!float.IsFinite(value) || value <= 0f)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and positive.");
    }
}
