using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Multiclass outputs, as ML.NET's multiclass scorer gives them (checked against LbfgsMaximumEntropy and
/// SdcaMaximumEntropy), in its order: <c>PredictedLabel</c>, the most probable class as a <c>Key&lt;UInt32, K&gt;</c>
/// carrying the label's key values, and <c>Score</c>, the softmax of the K logits (a vector of Single, key value k at
/// index k - 1), each with the scorer's annotations (<see cref="ScoreColumnAnnotations"/>).
/// </summary>
internal sealed class MulticlassPredictionHead : PredictionHead
{
    private readonly int _classCount;
    private readonly LabelKeyValues _labelKeyValues;

    public MulticlassPredictionHead(int classCount, LabelKeyValues labelKeyValues)
    {
        _classCount = classCount;
        _labelKeyValues = labelKeyValues;
    }

    public override DataViewSchema.DetachedColumn[] Columns(DataViewSchema inputSchema)
    {
        uint setId = ScoreColumnAnnotations.NextSetId(inputSchema);
        const string Kind = ScoreColumnAnnotations.MulticlassClassification;
        return
        [
            new(StandardColumnNames.PredictedLabel, new KeyDataViewType(typeof(uint), _classCount),
                ScoreColumnAnnotations.For(Kind, ScoreColumnAnnotations.StandardValueKinds.PredictedLabel, setId,
                    _labelKeyValues.PredictedLabelAnnotations(_classCount))),
            new(StandardColumnNames.Score, new VectorDataViewType(NumberDataViewType.Single, _classCount),
                ScoreColumnAnnotations.For(Kind, ScoreColumnAnnotations.StandardValueKinds.Score, setId,
                    _labelKeyValues.ScoreAnnotations(_classCount))),
        ];
    }

    public override void Finish(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing)
    {
        SoftmaxCrossEntropy.Softmax(outputs, rows, outputSize, outputs);
        FillMissing(outputs, rows, outputSize, missing);
    }

    public override Delegate?[] CreateGetters(bool[] active, CurrentOutputs current) =>
    [
        active[0] ? (ValueGetter<uint>)((ref uint value) => value = PredictedKey(current())) : null,
        active[1] ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            ReadOnlySpan<float> p = current();
            var editor = VBufferEditor.Create(ref value, p.Length);
            p.CopyTo(editor.Values);
            value = editor.Commit();
        }) : null,
    ];

    /// <summary>
    /// The predicted label's key as ML.NET's multiclass scorer gives it (<c>VectorUtils.ArgMax</c>, then index + 1):
    /// the first largest probability, NaN ignored; 0, the missing key, when every probability is NaN.
    /// </summary>
    internal static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = -1;
        for (int k = 0; k < probabilities.Length; k++)
        {
            float p = probabilities[k];
            if (!float.IsNaN(p) && (best < 0 || p > probabilities[best]))
                best = k;
        }
        return (uint)(best + 1);
    }
}
