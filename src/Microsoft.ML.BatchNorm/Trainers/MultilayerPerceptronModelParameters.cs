using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.Trainers;

/// <summary>
/// The trained network of a MultilayerPerceptron trainer (multiclass, binary or regression), for inspection: per layer the dense weights,
/// and either a bias or the batch-normalization parameters (gamma, beta, running mean and variance). Also the starting
/// point of fine-tuning: pass it to <c>Fit(trainData, modelParameters)</c> of a trainer of the same task
/// (<see cref="MultilayerPerceptronTrainer.Fit(IDataView, MultilayerPerceptronModelParameters)"/>), which never changes it.
/// </summary>
public sealed class MultilayerPerceptronModelParameters
{
    internal MultilayerPerceptronModelParameters(MlpNetwork network, IReadOnlyList<MultilayerPerceptronEpoch> history,
        TrainedLabel label)
    {
        Network = network;
        History = history;
        Label = label;
        Layers = network.Layers.Select(l => new MultilayerPerceptronLayer(l)).ToArray();
    }

    internal MlpNetwork Network { get; }

    /// <summary>The task and label the network was trained for (checked when fine-tuning).</summary>
    internal TrainedLabel Label { get; }

    /// <summary>Number of input features (the feature vector's size).</summary>
    public int InputSize => Network.InputSize;

    /// <summary>
    /// Outputs of the last layer: the number of classes (the Score vector's size) for the multiclass trainer; 1 (the
    /// logit, or the standardized regression value) for the binary and regression trainers.
    /// </summary>
    public int ClassCount => Network.ClassCount;

    /// <summary>Whether the hidden layers use batch normalization.</summary>
    public bool UsesBatchNormalization => Network.Layers[0].HasBatchNorm;

    /// <summary>The layers, input side first; the last one produces the outputs (softmax logits, the sigmoid's logit, or the standardized regression value).</summary>
    public IReadOnlyList<MultilayerPerceptronLayer> Layers { get; }

    /// <summary>What each training epoch achieved (empty for a model loaded from a file written without history).</summary>
    public IReadOnlyList<MultilayerPerceptronEpoch> History { get; }
}

/// <summary>
/// One layer: <c>z = x W^T (+ bias)</c>, then, in hidden layers, batch normalization and ReLU (or ReLU and then batch
/// normalization, see <see cref="BatchNormalizationPlacement"/>). Inference uses the running statistics:
/// <c>y = gamma * (v - runningMean) / sqrt(runningVariance + epsilon) + beta</c>, with v the normalization's input
/// (z, or ReLU(z) after the activation).
/// </summary>
public sealed class MultilayerPerceptronLayer
{
    private readonly MlpLayer _layer;

    internal MultilayerPerceptronLayer(MlpLayer layer) => _layer = layer;

    /// <summary>Inputs of the layer.</summary>
    public int InputSize => _layer.InputSize;

    /// <summary>Outputs (units) of the layer.</summary>
    public int OutputSize => _layer.OutputSize;

    /// <summary>Weights W, OutputSize x InputSize, row-major (row i holds unit i's input weights).</summary>
    public IReadOnlyList<float> Weights => Array.AsReadOnly(_layer.Weights);

    /// <summary>Bias per unit, or null where batch normalization follows the dense step directly (beta takes its role, paper section 3.2).</summary>
    public IReadOnlyList<float>? Bias => _layer.Bias is null ? null : Array.AsReadOnly(_layer.Bias);

    /// <summary>Whether the layer has batch normalization (before or after its ReLU).</summary>
    public bool HasBatchNormalization => _layer.HasBatchNorm;

    /// <summary>Whether ReLU follows the dense step (every hidden layer).</summary>
    public bool HasRelu => _layer.HasRelu;

    /// <summary>
    /// Where batch normalization sits: before the ReLU (dense -> BN -> ReLU) or after it (dense + bias -> ReLU ->
    /// BN, where the running statistics describe the ReLU's output).
    /// <see cref="MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation"/> for layers without batch normalization.
    /// </summary>
    public MultilayerPerceptronBatchNormalizationPlacement BatchNormalizationPlacement => _layer.HasBatchNormAfterActivation
        ? MultilayerPerceptronBatchNormalizationPlacement.AfterActivation : MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation;

    /// <summary>gamma per unit, or null without batch normalization.</summary>
    public IReadOnlyList<float>? Gamma => _layer.Gamma is null ? null : Array.AsReadOnly(_layer.Gamma);

    /// <summary>beta per unit, or null without batch normalization.</summary>
    public IReadOnlyList<float>? Beta => _layer.Beta is null ? null : Array.AsReadOnly(_layer.Beta);

    /// <summary>Running mean per unit (PyTorch's momentum convention), or null without batch normalization.</summary>
    public IReadOnlyList<float>? RunningMean => _layer.RunningMean is null ? null : Array.AsReadOnly(_layer.RunningMean);

    /// <summary>Running (unbiased) variance per unit, or null without batch normalization.</summary>
    public IReadOnlyList<float>? RunningVariance => _layer.RunningVariance is null ? null : Array.AsReadOnly(_layer.RunningVariance);

    /// <summary>Batch normalization's epsilon (0 without batch normalization).</summary>
    public float BatchNormalizationEpsilon => _layer.HasBatchNorm ? _layer.BatchNormEpsilon : 0f;
}

/// <summary>What one training epoch achieved.</summary>
public sealed class MultilayerPerceptronEpoch
{
    internal MultilayerPerceptronEpoch(MlpEpochSummary summary)
        : this(summary.Epoch, summary.TrainLoss, summary.TrainAccuracy, summary.ValidationLoss, summary.ValidationAccuracy, summary.Elapsed,
            summary.InferenceGap is { } gap ? new MultilayerPerceptronInferenceGap(gap) : null)
    {
    }

    internal MultilayerPerceptronEpoch(int epoch, double trainingLoss, double trainingAccuracy,
        double? validationLoss, double? validationAccuracy, TimeSpan elapsed, MultilayerPerceptronInferenceGap? inferenceGap = null)
    {
        InferenceGap = inferenceGap;
        Epoch = epoch;
        TrainingLoss = trainingLoss;
        TrainingAccuracy = trainingAccuracy;
        ValidationLoss = validationLoss;
        ValidationAccuracy = validationAccuracy;
        Elapsed = elapsed;
    }

    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; }

    /// <summary>
    /// Mean loss over the epoch's mini-batches, in training mode: softmax cross-entropy (multiclass) or binary
    /// cross-entropy (binary), in nats; squared error or Huber loss of the standardized label (regression).
    /// </summary>
    public double TrainingLoss { get; }

    /// <summary>Fraction of training rows classified right during the epoch, in training mode; NaN for regression.</summary>
    public double TrainingAccuracy { get; }

    /// <summary>Mean loss (as <see cref="TrainingLoss"/>) on the validation rows after the epoch (inference mode), or null without validation.</summary>
    public double? ValidationLoss { get; }

    /// <summary>Accuracy on the validation rows after the epoch (NaN for regression), or null without validation.</summary>
    public double? ValidationAccuracy { get; }

    /// <summary>Wall time of the epoch.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>
    /// The train/inference gap after the epoch: a fixed sample of the training rows scored in training and in
    /// inference mode, and how far the last full mini-batch's statistics were from the running ones (see
    /// <see cref="MultilayerPerceptronInferenceGap"/> for how to read it). Null when
    /// <see cref="MultilayerPerceptronOptions.InferenceGapSampleSize"/> is 0, and in histories saved before it existed.
    /// </summary>
    public MultilayerPerceptronInferenceGap? InferenceGap { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"epoch {Epoch}: loss {TrainingLoss:F4}" + (double.IsNaN(TrainingAccuracy) ? "" : $", accuracy {TrainingAccuracy:P2}") +
        (ValidationLoss is { } vl ? $", validation loss {vl:F4}" + (ValidationAccuracy is double va && !double.IsNaN(va) ? $", accuracy {va:P2}" : "") : "") +
        (InferenceGap is { } gap ? $", inference-mode gap {gap.LossGap:+0.0000;-0.0000}" +
            (gap.MaxStatisticsDistance is double d ? $" (statistics distance {d:F2})" : "") : "") +
        $" ({Elapsed.TotalSeconds:F1} s)";
}

/// <summary>The optimizer of the MultilayerPerceptron trainers.</summary>
public enum MultilayerPerceptronOptimizer
{
    /// <summary>Adam (Kingma and Ba 2015), bias-corrected.</summary>
    Adam,

    /// <summary>Stochastic gradient descent with classical momentum: v = mu * v + g; w -= learningRate * v.</summary>
    SgdMomentum,
}
