using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Binary outputs, as ML.NET's calibrated binary trainers (e.g. LbfgsLogisticRegression) give them, in their order:
/// <c>PredictedLabel</c> (Boolean, Score &gt; 0, so false for a NaN Score as in ML.NET's binary scorer),
/// <c>Score</c> (Single, the logit z) and <c>Probability</c> (Single, sigmoid(z) = 1 / (1 + exp(-z)), the probability
/// the network was trained to give, calibrated by construction), each with the scorer's annotations.
/// </summary>
internal sealed class BinaryPredictionHead : PredictionHead
{
    public override DataViewSchema.DetachedColumn[] Columns(DataViewSchema inputSchema)
    {
        uint setId = ScoreColumnAnnotations.NextSetId(inputSchema);
        const string Kind = ScoreColumnAnnotations.BinaryClassification;
        return
        [
            new(StandardColumnNames.PredictedLabel, BooleanDataViewType.Instance,
                ScoreColumnAnnotations.For(Kind, ScoreColumnAnnotations.StandardValueKinds.PredictedLabel, setId)),
            new(StandardColumnNames.Score, NumberDataViewType.Single,
                ScoreColumnAnnotations.For(Kind, ScoreColumnAnnotations.StandardValueKinds.Score, setId)),
            new(StandardColumnNames.Probability, NumberDataViewType.Single,
                ScoreColumnAnnotations.For(Kind, ScoreColumnAnnotations.StandardValueKinds.Probability, setId)),
        ];
    }

    public override void Finish(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing) =>
        FillMissing(outputs, rows, outputSize, missing);

    public override Delegate?[] CreateGetters(bool[] active, CurrentOutputs current) =>
    [
        active[0] ? (ValueGetter<bool>)((ref bool value) => value = current()[0] > 0f) : null,
        active[1] ? (ValueGetter<float>)((ref float value) => value = current()[0]) : null,
        active[2] ? (ValueGetter<float>)((ref float value) => value = SigmoidCrossEntropy.Sigmoid(current()[0])) : null,
    ];
}
