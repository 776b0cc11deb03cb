using Microsoft.ML.BatchNorm.Persistence;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Scores rows with a trained binary <see cref="MultilayerPerceptronModelParameters"/> (one output, a logit), adding the
/// columns of ML.NET's calibrated binary trainers (LbfgsLogisticRegression's names, types and annotations, in its
/// order): <c>PredictedLabel</c> (Boolean, Score &gt; 0), <c>Score</c> (Single, the logit) and <c>Probability</c>
/// (Single, sigmoid of the logit). <c>mlContext.BinaryClassification.Evaluate</c> reads them. A row-to-row mapper.
/// </summary>
/// <remarks>
/// <para>A row with a NaN feature gets a NaN Score and Probability and PredictedLabel false (ML.NET's binary scorer
/// compares Score &gt; 0, false for NaN), as ML.NET's linear binary trainers score it; the other rows are not
/// affected.</para>
/// <para>Plain <c>mlContext.Model.Save</c> needs the companion package BatchNormExtensions.ML.Onnx (it writes the
/// network as an ONNX model inside ML.NET's OnnxTransformer, which plain <c>mlContext.Model.Load</c> reads back, with
/// the three columns' names and types but not their scorer annotations); without it, it throws
/// <see cref="NotSupportedException"/>. <c>mlContext.Model.SaveWithNetworks</c> and <c>LoadWithNetworks</c> need no
/// companion and give this transformer back.</para>
/// </remarks>
public sealed class MultilayerPerceptronBinaryPredictionTransformer : MultilayerPerceptronPredictionTransformerBase
{
    internal MultilayerPerceptronBinaryPredictionTransformer(MultilayerPerceptronModelParameters model, string featureColumnName)
        : base(model, featureColumnName)
    {
        if (model.ClassCount != 1)
            throw new ArgumentException($"A binary network has one output; this one has {model.ClassCount}.");
    }

    internal override PredictionHead Head { get; } = new BinaryPredictionHead();

    internal override string TaskName => "binary classification";

    internal override PlainSaveRequest CreatePlainSaveRequest() => PlainSaveRequest.Binary(this);
}
