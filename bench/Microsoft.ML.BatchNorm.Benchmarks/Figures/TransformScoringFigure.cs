using System.Numerics.Tensors;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// <c>predict_batch/10000/transform</c>: the 10000 test rows scored the ML.NET way, <c>model.Transform(data)</c> of
/// the <see cref="PredictionEngineFigure"/>'s pipeline over a <c>LoadFromEnumerable</c> view, consumed by one cursor
/// reading <c>Score</c> and <c>PredictedClass</c> of every row (what <c>Evaluate</c> or <c>CreateEnumerable</c> do).
/// Next to <c>predict_batch/10000</c> (the bare network) it shows what the data-view layer costs; the cursor scores
/// tiles of rows at once. Public ML.NET API only. <c>predict_batch/10000/transform/onnx</c> scores the plain-saved
/// and plain-loaded copy of the pipeline (<see cref="PredictionEngineFigure.PlainSavedPipeline"/>: ONNX Runtime).
/// </summary>
public sealed class TransformScoringFigure : Figure
{
    private readonly bool _plainSaved;

    /// <summary>A figure of the in-memory pipeline, or of its plain-saved and plain-loaded copy.</summary>
    /// <param name="plainSaved">Whether to score the copy read back by plain <c>Model.Load</c> (ONNX Runtime).</param>
    public TransformScoringFigure(bool plainSaved = false) => _plainSaved = plainSaved;

    private ITransformer? _model;
    private IDataView? _test;

    /// <inheritdoc/>
    public override string Name => _plainSaved ? "predict_batch/10000/transform/onnx" : "predict_batch/10000/transform";

    /// <inheritdoc/>
    public override double Rows => 10000;

    /// <summary>Sum of the predicted classes of the last run: proof the values were read.</summary>
    public long Checksum { get; private set; }

    /// <inheritdoc/>
    public override void Setup()
    {
        var mlContext = new MLContext(seed: 0);
        _model = _plainSaved ? PredictionEngineFigure.PlainSavedPipeline(mlContext) : PredictionEngineFigure.TrainPipeline(mlContext);
        LabeledDataset test = FashionMnistData.Test;
        _test = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, test.Count).Select(i => FashionMnistData.ToRow(test, i)).ToArray());
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A score is NaN or infinite.</exception>
    public override void Run()
    {
        IDataView scored = _model!.Transform(_test!);
        DataViewSchema.Column scoreColumn = scored.Schema[nameof(FashionMnistPrediction.Score)];
        DataViewSchema.Column classColumn = scored.Schema[nameof(FashionMnistPrediction.PredictedClass)];
        using DataViewRowCursor cursor = scored.GetRowCursor([scoreColumn, classColumn]);
        ValueGetter<VBuffer<float>> score = cursor.GetGetter<VBuffer<float>>(scoreColumn);
        ValueGetter<uint> predicted = cursor.GetGetter<uint>(classColumn);
        VBuffer<float> scores = default;
        uint label = 0;
        long sum = 0;
        while (cursor.MoveNext())
        {
            score(ref scores);
            predicted(ref label);
            if (!float.IsFinite(TensorPrimitives.Sum(scores.GetValues())))
                throw new InvalidOperationException($"{Name}: row {cursor.Position} has a non-finite score.");
            sum += label;
        }
        Checksum = sum;
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        (_model as IDisposable)?.Dispose();
        (_model, _test) = (null, null);
    }
}
