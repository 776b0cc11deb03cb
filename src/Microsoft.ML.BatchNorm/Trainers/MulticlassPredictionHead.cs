using Microsoft.ML.BatchNorm.DataView;
using Microsoft.ML.BatchNorm.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Multiclass outputs: <c>Score</c>, the softmax of the K logits (a vector of Single, key value k at index k - 1), and
/// <c>PredictedLabel</c>, the most probable class as a key of the label's type carrying the label's key values.
/// </summary>
internal sealed class MulticlassPredictionHead : PredictionHead
{
    private readonly int _classCount;
    private readonly KeyDataViewType _labelType;
    private readonly LabelKeyValues _labelKeyValues;

    public MulticlassPredictionHead(int classCount, KeyDataViewType labelType, LabelKeyValues labelKeyValues)
    {
        _classCount = classCount;
        _labelType = labelType;
        _labelKeyValues = labelKeyValues;
    }

    public override DataViewSchema.DetachedColumn[] Columns(DataViewSchema inputSchema) =>
    [
        new(StandardColumnNames.Score, new VectorDataViewType(NumberDataViewType.Single, _classCount)),
        new(StandardColumnNames.PredictedLabel, _labelType, _labelKeyValues.Annotations),
    ];

    public override void Finish(Span<float> outputs, int rows, int outputSize, ReadOnlySpan<bool> missing)
    {
        SoftmaxCrossEntropy.Softmax(outputs, rows, outputSize, outputs);
        FillMissing(outputs, rows, outputSize, missing);
    }

    public override Delegate?[] CreateGetters(bool[] active, CurrentOutputs current) =>
    [
        active[0] ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            ReadOnlySpan<float> p = current();
            var editor = VBufferEditor.Create(ref value, p.Length);
            p.CopyTo(editor.Values);
            value = editor.Commit();
        }) : null,
        active[1] ? LabelKeys.MakeKeyGetter(_labelType.RawType, () => PredictedKey(current())) : null,
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
