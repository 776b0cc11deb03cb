using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// <c>predict_row/engine</c>: one prediction through ML.NET's <see cref="PredictionEngine{TSrc, TDst}"/>, the path a
/// user takes: <c>engine.Predict(row)</c> on the first test image, a new prediction object per call. The pipeline is
/// the FashionMnist sample's (MapValueToKey on the label, the MultilayerPerceptron trainer with its defaults:
/// 784 -> 256 -> BN -> ReLU -> 128 -> BN -> ReLU -> 10, then MapKeyToValue of the predicted label), trained for one
/// epoch on the first <see cref="TrainingRows"/> training rows: the latency does not depend on how well it learned.
/// Public ML.NET API only, so that it measures the real package's engine when built against it.
/// </summary>
public sealed class PredictionEngineFigure : Figure
{
    /// <summary>Training rows of the pipeline (only its shape matters here).</summary>
    public const int TrainingRows = 2048;

    private PredictionEngine<FashionMnistRow, FashionMnistPrediction>? _engine;
    private FashionMnistRow? _row;
    private FashionMnistPrediction? _last;   // kept so that the prediction is observably used

    /// <inheritdoc/>
    public override string Name => "predict_row/engine";

    /// <inheritdoc/>
    public override double Rows => 1;

    /// <inheritdoc/>
    public override void Setup()
    {
        var mlContext = new MLContext(seed: 0);
        ITransformer model = TrainPipeline(mlContext);
        _engine = mlContext.Model.CreatePredictionEngine<FashionMnistRow, FashionMnistPrediction>(model);
        _row = FashionMnistData.ToRow(FashionMnistData.Test, 0);
    }

    /// <inheritdoc/>
    public override void Run() => _last = _engine!.Predict(_row!);

    /// <summary>The sample's pipeline trained for one epoch on the first <see cref="TrainingRows"/> training rows.</summary>
    internal static ITransformer TrainPipeline(MLContext mlContext)
    {
        IDataView data = mlContext.Data.LoadFromEnumerable(FashionMnistData.TrainRows.Take(TrainingRows).ToArray());
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey(nameof(FashionMnistRow.Label),
                keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(mlContext.MulticlassClassification.Trainers.MultilayerPerceptron(
                new MultilayerPerceptronTrainer.Options { NumberOfEpochs = 1, Seed = 0 }))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(nameof(FashionMnistPrediction.PredictedClass), "PredictedLabel"));
        return pipeline.Fit(data);
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        _engine?.Dispose();
        (_engine, _row, _last) = (null, null, null);
    }
}
