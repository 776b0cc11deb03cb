using Microsoft.ML.BatchNorm.DataView;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Options shared by the three MultilayerPerceptron trainers (multiclass <see cref="MultilayerPerceptronTrainer"/>,
/// <see cref="MultilayerPerceptronBinaryTrainer"/>, <see cref="MultilayerPerceptronRegressionTrainer"/>): the network's
/// shape, the optimizer, the mini-batch loop, validation and early stopping. Each trainer's own <c>Options</c> derives
/// from it. Checked when the trainer is created; an out-of-range value throws <see cref="ArgumentOutOfRangeException"/>
/// naming it.
/// </summary>
public abstract class MultilayerPerceptronOptions
{
    private protected MultilayerPerceptronOptions()
    {
    }

    /// <summary>
    /// Label column. Default "Label". Multiclass: a key of UInt32 with at least 2 values; binary: Boolean; regression:
    /// Single.
    /// </summary>
    public string LabelColumnName { get; set; } = StandardColumnNames.Label;

    /// <summary>Feature column: a known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = StandardColumnNames.Features;

    /// <summary>Widths of the hidden layers, input side first; each at least 1. Default [256, 128]. Empty: a linear model on the features.</summary>
    public int[] HiddenLayerSizes { get; set; } = [256, 128];

    /// <summary>Batch normalization after each hidden dense layer. Default true; false gives dense (with bias) -> ReLU layers.</summary>
    public bool UseBatchNormalization { get; set; } = true;

    /// <summary>
    /// Where batch normalization sits in each hidden layer. Default
    /// <see cref="MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation"/>: dense (no bias) -> batch norm
    /// -> ReLU, as Ioffe and Szegedy (2015), section 3.2, place it.
    /// <see cref="MultilayerPerceptronBatchNormalizationPlacement.AfterActivation"/>: dense (with bias) -> ReLU ->
    /// batch norm, the Keras practice of a <c>BatchNormalization</c> layer after the activation. Both are trained,
    /// saved, scored and exported to ONNX. Ignored without batch normalization.
    /// </summary>
    public MultilayerPerceptronBatchNormalizationPlacement BatchNormalizationPlacement { get; set; } = MultilayerPerceptronBatchNormalizationPlacement.BeforeActivation;

    /// <summary>Passes over the training data; at least 1. Default 10.</summary>
    public int NumberOfEpochs { get; set; } = 10;

    /// <summary>Rows per mini-batch; at least 1 (2 with batch normalization). Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The optimizer. Default Adam.</summary>
    public MultilayerPerceptronOptimizer Optimizer { get; set; } = MultilayerPerceptronOptimizer.Adam;

    /// <summary>Step size; positive and finite. Default 1e-3 (Adam's usual value; SGD usually wants 0.01 to 0.1).</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Momentum mu of SGD, in [0, 1). Default 0.9.</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>L2 penalty coefficient on the dense weights (added to their gradient), at least 0. Default 0.</summary>
    public float L2Regularization { get; set; }

    /// <summary>Batch normalization's epsilon, positive. Default 1e-5.</summary>
    public float BatchNormalizationEpsilon { get; set; } = 1e-5f;

    /// <summary>
    /// Momentum of the running statistics, PyTorch's convention: <c>running = (1 - m) * running + m * batch</c>,
    /// in [0, 1]. Default 0.1 (Keras' and ONNX's "momentum" 0.9 is the same setting).
    /// </summary>
    public float BatchNormalizationMomentum { get; set; } = 0.1f;

    /// <summary>
    /// Which statistics the batch-norm layers use at inference. Default
    /// <see cref="MultilayerPerceptronInferenceStatistics.RunningAverages"/> (the running averages of
    /// <see cref="BatchNormalizationMomentum"/>); <see cref="MultilayerPerceptronInferenceStatistics.Population"/>
    /// computes them after training as Ioffe and Szegedy (2015), Algorithm 2, does. Ignored without batch normalization.
    /// </summary>
    public MultilayerPerceptronInferenceStatistics InferenceStatistics { get; set; } = MultilayerPerceptronInferenceStatistics.RunningAverages;

    /// <summary>
    /// Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1) in training, for small mini-batches: an
    /// instance with its bounds, schedule and momentum (see <see cref="MultilayerPerceptronBatchRenormalization"/>), or
    /// null (default) for plain batch normalization. Inference is unchanged. Needs <see cref="UseBatchNormalization"/>
    /// (otherwise the trainer throws <see cref="ArgumentOutOfRangeException"/> naming this option).
    /// </summary>
    public MultilayerPerceptronBatchRenormalization? BatchRenormalization { get; set; }

    /// <summary>
    /// Ghost batch normalization (Hoffer, Hubara and Soudry 2017, "Train longer, generalize better", arXiv:1705.08741,
    /// section 4.1; Keras' <c>virtual_batch_size</c>): in training, each batch-norm layer takes its statistics over
    /// virtual batches of this many consecutive rows of the mini-batch instead of the whole mini-batch (gamma and beta
    /// shared), and the running statistics are updated after each virtual batch, in order (Hoffer et al.'s Algorithm 1;
    /// Keras updates them once per mini-batch with the mean of the virtual batches' statistics). Null (default) for the
    /// whole mini-batch; otherwise in [2, <see cref="BatchSize"/>] (<see cref="ArgumentOutOfRangeException"/> naming it).
    /// It need not divide BatchSize (Keras requires that): the last virtual batch of a mini-batch takes the remaining
    /// rows, and a remainder of one row joins the virtual batch before it, as a trailing row joins the last
    /// mini-batch. Meant for large mini-batches, whose gradient steps are few but whose statistics are then as noisy as
    /// small batches' (the regularization Hoffer et al. credit small batches with). Inference is unchanged (with
    /// <see cref="MultilayerPerceptronInferenceStatistics.Population"/>, Algorithm 2's pass normalizes whole mini-batches
    /// of <see cref="BatchSize"/>, without virtual batches). Needs
    /// <see cref="UseBatchNormalization"/>. Not offered by the <c>BatchNormalize</c> transform, which computes exact
    /// statistics of its whole training data.
    /// </summary>
    public int? VirtualBatchSize { get; set; }

    /// <summary>
    /// How the dense weights (and biases) are drawn before training. Default
    /// <see cref="MultilayerPerceptronInitialization.PyTorchUniform"/>, PyTorch's <c>nn.Linear</c> default; see
    /// <see cref="MultilayerPerceptronInitialization"/> for the choices and why this one is the default.
    /// </summary>
    public MultilayerPerceptronInitialization Initialization { get; set; } = MultilayerPerceptronInitialization.PyTorchUniform;

    /// <summary>Seed of the initialization and the shuffles: the same seed and data give bit-identical models. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Fraction of the training rows held out for validation when <c>Fit</c> is given no validation data, in
    /// [0, 1). Default 0 (no validation).
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// Early stopping: stop after this many epochs without a lower validation loss and keep the best epoch's
    /// parameters. 0 (default) disables it; needs validation data.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Receives each epoch's figures as training goes. Default null.</summary>
    public IProgress<MultilayerPerceptronEpoch>? Progress { get; set; }

    /// <summary>
    /// Receives progress within each epoch (rows done, rows per epoch, running mean loss, time), for progress bars.
    /// Default null. Reports come from the training thread, between mini-batches: about every 100 ms (after the
    /// first mini-batch ending at least 100 ms after the previous report or the epoch's start) and after the
    /// epoch's last mini-batch, before the validation rows are evaluated and <see cref="Progress"/> gets the epoch.
    /// The report is a struct, and the check costs a clock read per mini-batch: training is not slowed. Keep
    /// <see cref="IProgress{T}.Report"/> short (it runs between two mini-batches), and note that
    /// <see cref="Progress{T}"/> would post each report to the thread pool.
    /// </summary>
    public IProgress<MultilayerPerceptronBatchProgress>? BatchProgress { get; set; }

    /// <summary>
    /// Stops training: <c>Fit</c> checks it before reading the data and training checks it between mini-batches
    /// (also after an epoch's last one, before the validation rows are evaluated). Once it is cancelled, <c>Fit</c>
    /// throws <see cref="OperationCanceledException"/> at the next check and returns no model: nothing half-trained
    /// is kept. Default <see cref="CancellationToken.None"/>. A mini-batch that has started runs to its end, so the
    /// latency is one mini-batch; cancelling from <see cref="BatchProgress"/> stops before the next mini-batch.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Factor on the initial dense weights: each layer's weights are drawn as <see cref="Initialization"/> says and
    /// multiplied by this (biases are not). Positive and finite. Default 1. Other values are for experiments: batch
    /// normalization makes the hidden layers insensitive to the scale of their weights (Ioffe and Szegedy 2015,
    /// section 3.3), a network without it is not (try 10 or 0.1).
    /// </summary>
    public float InitialWeightScale { get; set; } = 1f;

    /// <summary>
    /// What fine-tuning keeps fixed in the batch-norm layers: <c>Fit(trainData, modelParameters)</c> only (plain
    /// <c>Fit</c> of a fresh network throws <see cref="InvalidOperationException"/> when it is not
    /// <see cref="MultilayerPerceptronBatchNormalizationFreezing.None"/>). Default
    /// <see cref="MultilayerPerceptronBatchNormalizationFreezing.None"/>. Freezing the statistics ignores
    /// <see cref="BatchNormalizationMomentum"/> and cannot be combined with
    /// <see cref="MultilayerPerceptronInferenceStatistics.Population"/> (which would recompute them), with
    /// <see cref="BatchRenormalization"/> or with <see cref="VirtualBatchSize"/> (a frozen layer uses no batch
    /// statistics): <see cref="ArgumentOutOfRangeException"/> naming the other option. No effect on a
    /// network without batch normalization. See <see cref="MultilayerPerceptronBatchNormalizationFreezing"/> for the
    /// modes and their peers in PyTorch and Keras.
    /// </summary>
    public MultilayerPerceptronBatchNormalizationFreezing BatchNormalizationFreezing { get; set; }

    /// <summary>
    /// Rows of the fixed sample of training rows on which each epoch's train/inference gap is measured
    /// (<see cref="MultilayerPerceptronEpoch.InferenceGap"/>); at least 0. Default 1024; 0 turns the diagnostic off.
    /// The sample is drawn once, when training starts, with at least <see cref="BatchSize"/> rows and at most all of
    /// them. It costs two forward passes over the sample per epoch: counting an epoch as a forward and a backward pass
    /// (about three forwards) over every row, 2 x 1024 / (3 x 60000), about 1 %, on Fashion-MNIST's 60000 rows.
    /// </summary>
    public int InferenceGapSampleSize { get; set; } = 1024;
}
