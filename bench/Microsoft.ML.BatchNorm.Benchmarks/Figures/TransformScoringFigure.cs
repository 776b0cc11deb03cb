using System.Numerics.Tensors;
using Microsoft.ML.BatchNorm.Samples.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// <c>predict_batch/10000/transform</c>: the 10000 test rows scored the ML.NET way, <c>model.Transform(data)</c> of
/// the <see cref="PredictionEngineFigure"/>'s pipeline over a <c>LoadFromEnumerable</c> view, consumed by one cursor
/// reading <c>Score</c> and <c>PredictedClass</c> of every row (what <c>Evaluate</c> or <c>CreateEnumerable</c> do).
/// Next to <c>predict_batch/10000</c> (the bare network) it shows what the data-view layer costs; the cursor scores
/// tiles of rows at once. Public ML.NET API only.
/// </summary>
public sealed class TransformScoringFigure : Figure
{
    private ITransformer? _model;
    private IDataView? _test;

    /// <inheritdoc/>
    public override string Name => "predict_batch/10000/transform";

    /// <inheritdoc/>
    public override double Rows => 10000;

    /// <summary>Sum of the predicted classes of the last run: proof the values were read.</summary>
    public long Checksum { get; private set; }

    /// <inheritdoc/>
    public override void Setup()
    {
        var mlContext = new MLContext(seed: 0);
        _model = PredictionEngineFigure.TrainPipeline(mlContext);
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
    public override void Cleanup() => (_model, _test) = (null, null);
}
