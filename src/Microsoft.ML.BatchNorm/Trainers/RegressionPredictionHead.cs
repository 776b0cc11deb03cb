using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Regression output, as ML.NET's regressors (e.g. Sdca) give it: <c>Score</c> (Single, with the scorer's
/// annotations), the network's output mapped back from the standardized label: output * labelScale + labelOffset.
/// </summary>
internal sealed class RegressionPredictionHead : PredictionHead
{
    private readonly float _labelOffset, _labelScale;

    public RegressionPredictionHead(float labelOffset, float labelScale)
    {
        _labelOffset = labelOffset;
        _labelScale = labelScale;
    }

    public override DataViewSchema.DetachedColumn[] Columns(DataViewSchema inputSchema) =>
    [
        new(StandardColumnNames.Score, NumberDataViewType.Single,
            ScoreColumnAnnotations.For(ScoreColumnAnnotations.Regression, ScoreColumnAnnotations.StandardValueKinds.Score,
                ScoreColumnAnnotations.NextSetId(inputSchema))),
    ];

    public override void Finish(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing)
    {
        Span<float> values = outputs[..(rows * outputSize)];
        for (int i = 0; i < values.Length; i++) values[i] = values[i] * _labelScale + _labelOffset;
        FillMissing(outputs, rows, outputSize, missing);
    }

    public override Delegate?[] CreateGetters(bool[] active, CurrentOutputs current) =>
    [
        active[0] ? (ValueGetter<float>)((ref float value) => value = current()[0]) : null,
    ];
}
