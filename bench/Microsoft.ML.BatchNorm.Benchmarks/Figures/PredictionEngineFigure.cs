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
/// <c>predict_row/engine/onnx</c> is the same call on that pipeline after a plain <c>Model.Save</c> (the companion
/// package's route: the network as ML.NET's <c>OnnxTransformer</c>) and a plain <c>Model.Load</c> in a new context.
/// </summary>
public sealed class PredictionEngineFigure : Figure
{
    private readonly bool _plainSaved;
    private ITransformer? _model;

    /// <summary>A figure of the in-memory pipeline, or of its plain-saved and plain-loaded copy.</summary>
    /// <param name="plainSaved">Whether to score the copy read back by plain <c>Model.Load</c> (ONNX Runtime).</param>
    public PredictionEngineFigure(bool plainSaved = false) => _plainSaved = plainSaved;

    /// <summary>Training rows of the pipeline (only its shape matters here).</summary>
    public const int TrainingRows = 2048;

    private PredictionEngine<FashionMnistRow, FashionMnistPrediction>? _engine;
    private FashionMnistRow? _row;
    private FashionMnistPrediction? _last;   // kept so that the prediction is observably used

    /// <inheritdoc/>
    public override string Name => _plainSaved ? "predict_row/engine/onnx" : "predict_row/engine";

    /// <inheritdoc/>
    public override double Rows => 1;

    /// <inheritdoc/>
    public override void Setup()
    {
        var mlContext = new MLContext(seed: 0);
        _model = _plainSaved ? PlainSavedPipeline(mlContext) : TrainPipeline(mlContext);
        _engine = mlContext.Model.CreatePredictionEngine<FashionMnistRow, FashionMnistPrediction>(_model);
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

    /// <summary>
    /// <see cref="TrainPipeline"/>'s model written by plain <c>Model.Save</c> and read back by plain <c>Model.Load</c>
    /// in a new MLContext: ML.NET transformers only (the network runs in ONNX Runtime). Dispose it: the loaded
    /// OnnxTransformer keeps a temporary copy of its model until then.
    /// </summary>
    internal static ITransformer PlainSavedPipeline(MLContext mlContext)
    {
        ITransformer trained = TrainPipeline(mlContext);
        using var stream = new MemoryStream();
        mlContext.Model.Save(trained, mlContext.Data.LoadFromEnumerable(Array.Empty<FashionMnistRow>()).Schema, stream);
        stream.Position = 0;
        return new MLContext(seed: 0).Model.Load(stream, out _);
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        _engine?.Dispose();
        (_model as IDisposable)?.Dispose();
        (_engine, _row, _last, _model) = (null, null, null, null);
    }
}
