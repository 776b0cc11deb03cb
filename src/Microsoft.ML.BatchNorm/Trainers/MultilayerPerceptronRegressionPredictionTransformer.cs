using Microsoft.ML.BatchNorm.Persistence;

namespace Microsoft.ML.Trainers;

/// <summary>
/// Scores rows with a trained regression <see cref="MultilayerPerceptronModelParameters"/>, adding the column of
/// ML.NET's regressors (Sdca's name, type and annotations): <c>Score</c> (Single), the network's output mapped back to
/// the label's units: <c>output * LabelStandardDeviation + LabelMean</c>. <c>mlContext.Regression.Evaluate</c> reads
/// it. A row-to-row mapper.
/// </summary>
/// <remarks>
/// <para>A row with a NaN feature gets a NaN Score, as ML.NET's linear regressors give it; the other rows are not
/// affected.</para>
/// <para>Plain <c>mlContext.Model.Save</c> needs the companion package BatchNormExtensions.ML.Onnx (it writes the
/// network as an ONNX model inside ML.NET's OnnxTransformer, which plain <c>mlContext.Model.Load</c> reads back, with
/// Score's name and type but not its scorer annotations); without it, it throws <see cref="NotSupportedException"/>.
/// <c>mlContext.Model.SaveWithNetworks</c> and <c>LoadWithNetworks</c> need no companion and give this transformer
/// back.</para>
/// </remarks>
public sealed class MultilayerPerceptronRegressionPredictionTransformer : MultilayerPerceptronPredictionTransformerBase
{
    internal MultilayerPerceptronRegressionPredictionTransformer(MultilayerPerceptronModelParameters model, string featureColumnName,
        float labelMean, float labelStandardDeviation)
        : base(model, featureColumnName)
    {
        if (model.ClassCount != 1)
            throw new ArgumentException($"A regression network has one output; this one has {model.ClassCount}.");
        if (!float.IsFinite(labelMean) || !float.IsFinite(labelStandardDeviation) || labelStandardDeviation <= 0f)
            throw new ArgumentException($"The label's mean ({labelMean}) must be finite and its standard deviation ({labelStandardDeviation}) finite and positive.");
        LabelMean = labelMean;
        LabelStandardDeviation = labelStandardDeviation;
        Head = new RegressionPredictionHead(labelMean, labelStandardDeviation);
    }

    /// <summary>Mean of the training label: the network learned (label - LabelMean) / LabelStandardDeviation.</summary>
    public float LabelMean { get; }

    /// <summary>Population standard deviation of the training label (positive).</summary>
    public float LabelStandardDeviation { get; }

    internal override PredictionHead Head { get; }

    internal override string TaskName => "regression";

    internal override PlainSaveRequest CreatePlainSaveRequest() => PlainSaveRequest.Regression(this);
}
