using Microsoft.ML.BatchNorm.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Scores rows with a trained multiclass <see cref="MultilayerPerceptronModelParameters"/>: appends <c>PredictedLabel</c>
/// (the most probable class as a <c>Key&lt;UInt32, K&gt;</c>, carrying the label's key values) and <c>Score</c> (class
/// probabilities, a vector of Single with one slot per class), with the names, types and annotations ML.NET's
/// multiclass trainers (e.g. LbfgsMaximumEntropy) give them. A row-to-row mapper, so PredictionEngine works.
/// </summary>
/// <remarks>
/// <para>A row with a NaN feature gets a Score of NaN for every class and PredictedLabel key 0 (the missing key), as
/// with ML.NET's own multiclass trainers; the other rows are not affected. See the remarks of
/// <see cref="MultilayerPerceptronTrainer"/> for what follows from it and how to replace or drop missing values.</para>
/// <para>Plain <c>mlContext.Model.Save</c> needs the companion package BatchNormExtensions.ML.Onnx (it writes the
/// network as an ONNX model inside ML.NET's OnnxTransformer, which plain <c>mlContext.Model.Load</c> reads back);
/// without it, it throws <see cref="NotSupportedException"/>. <c>mlContext.Model.SaveWithNetworks</c> and
/// <c>LoadWithNetworks</c> need no companion and give this transformer back.</para>
/// </remarks>
public sealed class MultilayerPerceptronPredictionTransformer : MultilayerPerceptronPredictionTransformerBase
{
    internal MultilayerPerceptronPredictionTransformer(MultilayerPerceptronModelParameters model, string featureColumnName,
        KeyDataViewType labelType, LabelKeyValues labelKeyValues)
        : base(model, featureColumnName)
    {
        LabelType = labelType;
        LabelKeyValues = labelKeyValues;
        if (labelType.Count != (ulong)model.ClassCount)
            throw new ArgumentException($"The label has {labelType.Count} classes but the network scores {model.ClassCount}.");
        Head = new MulticlassPredictionHead(model.ClassCount, labelKeyValues);
    }

    internal KeyDataViewType LabelType { get; }

    internal LabelKeyValues LabelKeyValues { get; }

    internal override PredictionHead Head { get; }

    internal override string TaskName => "multiclass classification";

    internal override PlainSaveRequest CreatePlainSaveRequest() => PlainSaveRequest.Multiclass(this);
}
