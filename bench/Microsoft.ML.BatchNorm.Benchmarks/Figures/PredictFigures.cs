using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.BatchNorm.Samples.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// The PyTorch script's MLP (784 -> 256 -> BN -> ReLU -> 128 -> BN -> ReLU -> 10) for the prediction figures,
/// built with <see cref="MlpNetwork.CreateInitialized"/> (seed 0). The time of an eval-mode forward does not depend on
/// the weights' values, so the figures do not spend a training run on them.
/// </summary>
internal static class PredictionNetwork
{
    /// <summary>A freshly initialized network of the MLP figures' shape.</summary>
    public static MlpNetwork Create() => MlpNetwork.CreateInitialized(FashionMnistData.FeatureCount, [256, 128],
        FashionMnistData.ClassCount, useBatchNormalization: true, batchNormEpsilon: 1e-5f, new Random(0));
}

/// <summary>
/// <c>predict_batch/10000</c>: the inference-mode forward of the 10000 Fashion-MNIST test rows in one call of
/// <see cref="MlpInference.PredictProbabilities"/> (batch normalization folded into the dense layers, softmax
/// included; the PyTorch figure stops at the logits). Median of 5 timed batches, as the script.
/// </summary>
public sealed class PredictBatchFigure : Figure
{
    private LabeledDataset? _test;
    private MlpInference? _inference;
    private float[] _probabilities = [];

    /// <inheritdoc/>
    public override string Name => "predict_batch/10000";

    /// <summary>The test rows.</summary>
    public override double Rows => 10000;

    /// <inheritdoc/>
    public override int TimedBatches => 5;

    /// <inheritdoc/>
    public override void Setup()
    {
        _test = FashionMnistData.Test;
        if (_test.Count != 10000)
            throw new InvalidDataException($"The Fashion-MNIST test part has {_test.Count} rows; the figure is defined for 10000.");
        _inference = PredictionNetwork.Create().CreateInference(_test.Count);
        _probabilities = new float[_test.Count * FashionMnistData.ClassCount];
    }

    /// <inheritdoc/>
    public override void Run() => _inference!.PredictProbabilities(_test!.Features, _test.Count, _probabilities);

    /// <inheritdoc/>
    public override void Cleanup() => (_test, _inference, _probabilities) = (null, null, []);
}

/// <summary>
/// <c>predict_row</c>: the inference-mode forward of one row (the first test image) through
/// <see cref="MlpInference.PredictProbabilities"/> with a one-row workspace: the latency of the bare model.
/// </summary>
public sealed class PredictRowFigure : Figure
{
    private float[] _row = [];
    private MlpInference? _inference;
    private readonly float[] _probabilities = new float[FashionMnistData.ClassCount];

    /// <inheritdoc/>
    public override string Name => "predict_row";

    /// <inheritdoc/>
    public override double Rows => 1;

    /// <inheritdoc/>
    public override void Setup()
    {
        _row = FashionMnistData.Test.GetRow(0).ToArray();
        _inference = PredictionNetwork.Create().CreateInference(1);
    }

    /// <inheritdoc/>
    public override void Run() => _inference!.PredictProbabilities(_row, 1, _probabilities);

    /// <inheritdoc/>
    public override void Cleanup() => (_row, _inference) = ([], null);
}
